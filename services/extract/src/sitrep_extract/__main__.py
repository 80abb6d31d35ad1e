"""`python -m sitrep_extract [run|file|train|evaluate|replay-dlq] ...` (run is the default)."""

from __future__ import annotations

import asyncio
import signal
import sys

USAGE = """usage: python -m sitrep_extract [COMMAND] [ARGS...]

commands:
  run          consume sitrep.articles.v1, produce sitrep.extractions.v1 (default; settings from SITREP_*)
  file         IN.jsonl OUT.jsonl: extract without a broker (offline mode)
  train        train the extraction model
  evaluate     score the model against gold annotations
  replay-dlq   re-publish dead-lettered articles to their source topic, after a fix
"""


def _stop_before_start(signum: int, _frame: object) -> None:
    # SIGTERM while still importing or loading: nothing is in hand yet, so leaving is a clean stop.
    raise SystemExit(0)


def _run() -> int:
    signal.signal(signal.SIGTERM, _stop_before_start)
    from sitrep_extract.service import run
    from sitrep_extract.settings import ExtractSettings
    from sitrep_shared import logging as sitrep_logging

    settings = ExtractSettings()
    sitrep_logging.configure("sitrep-extract", settings.log_level)
    return asyncio.run(run(settings))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command, rest = (args[0], args[1:]) if args and not args[0].startswith("-") else ("run", args)
    if command in ("help",) or (command == "run" and rest and rest[0] in ("-h", "--help")):
        print(USAGE)
        return 0
    if command == "run":
        return _run()
    if command == "file":
        from sitrep_extract import offline
        return int(offline.main(rest) or 0)
    if command == "train":
        from sitrep_extract import train
        return int(train.main(rest) or 0)
    if command == "evaluate":
        from sitrep_extract import evaluate
        return int(evaluate.main(rest) or 0)
    if command == "replay-dlq":
        from sitrep_extract import replay
        return replay.main(rest)
    print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
