"""`python -m sitrep_ingest` serves the HTTP API; `python -m sitrep_ingest load PATH...` loads files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn

from sitrep_ingest.app import create_app
from sitrep_ingest.loader import load
from sitrep_ingest.settings import IngestSettings
from sitrep_shared import logging as sitrep_logging
from sitrep_shared.kafka import BrokerUnavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep_ingest")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the HTTP API (the default)")
    serve.add_argument("--port", type=int, help="overrides SITREP_INGEST__PORT")
    loader = commands.add_parser("load", help="publish articles from .jsonl/.json files or folders of .txt")
    loader.add_argument("paths", nargs="+", type=Path)
    loader.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    settings = IngestSettings()
    sitrep_logging.configure("sitrep-ingest", settings.log_level)
    if args.command == "load":
        try:
            counts = asyncio.run(load(args.paths, settings, progress=not args.no_progress))
        except (BrokerUnavailable, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 1 if counts["invalid"] else 0
    port = getattr(args, "port", None) or settings.ingest.port
    options = {"host": settings.ingest.host, "port": port, "log_config": None, "access_log": False,
               "timeout_graceful_shutdown": 10}
    if settings.ingest.workers > 1:
        # Each worker process builds its app from the environment (settings cannot be pickled across).
        uvicorn.run("sitrep_ingest.app:app_from_environment", factory=True, workers=settings.ingest.workers,
                    **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
