"""Model runtime: which extractor to load, bf16 or fp32, thread count, inference mode, warm-up."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from sitrep_extract.settings import ExtractSettings
from sitrep_shared.models import Article, Event

log = logging.getLogger("sitrep.extract.runtime")

WARMUP_TEXT = (
    "KYIV, May 14 (Sitrep) - Ukraine's air force said on Tuesday that its air defences shot down "
    "27 of 30 drones launched overnight over the Kharkiv and Sumy regions. Operations at the "
    "airport were briefly suspended."
)


class Extractor(Protocol):
    name: str
    version: str

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]: ...


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    import torch

    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(torch.cpu, probe, None)
        with contextlib.suppress(Exception):
            if check is not None and check():
                return True
    with contextlib.suppress(OSError):
        flags = Path("/proc/cpuinfo").read_text()
        return "avx512_bf16" in flags or "amx_bf16" in flags
    return False


def _autocast_works() -> bool:
    import torch

    try:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            out = torch.nn.functional.linear(torch.ones(2, 4), torch.ones(3, 4))
        return out.dtype == torch.bfloat16
    except Exception:  # any failure means: run in fp32
        log.warning("bf16 autocast failed on this machine", exc_info=True)
        return False


def resolve_bf16(mode: str) -> bool | None:
    """bf16 autocast (True), fp32 (False), or None: let the model time both on this CPU and choose.

    auto: fp32 unless the CPU computes bf16 natively (emulated bf16 is slower than fp32); where it does,
    the model measures. on: bf16 if autocast works here, else fp32. off: fp32. Logs which and why.
    """
    if mode == "off":
        log.info("model dtype: fp32 (bf16 switched off by setting)")
        return False
    native = cpu_has_native_bf16()
    if mode == "auto" and not native:
        log.info("model dtype: fp32 (this CPU has no native bf16; autocast would be emulated)")
        return False
    if not _autocast_works():
        log.warning("model dtype: fp32 (bf16 autocast unavailable here)")
        return False
    if mode == "auto":
        log.info("native bf16 found: the model times bf16 against fp32 and keeps the faster")
        return None
    log.info("model dtype: bf16 autocast (forced on by setting)", extra={"native_bf16": native})
    return True


def _import_factory(spec: str) -> Callable[[ExtractSettings], Extractor]:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ValueError(f"extractor_factory must be 'module:callable', got {spec!r}")
    return getattr(importlib.import_module(module), attr)


def load(settings: ExtractSettings) -> Extractor:
    """Load the extractor once: the trained model, or `settings.extractor_factory` when set."""
    started = time.perf_counter()
    if settings.extractor_factory:
        extractor = _import_factory(settings.extractor_factory)(settings)
        log.warning("using a non-default extractor", extra={"factory": settings.extractor_factory})
    else:
        import torch

        from sitrep_extract.pipeline import load_extractor

        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        extractor = load_extractor(
            artifact_dir=settings.artifact_dir,
            torch_threads=settings.torch_threads,
            use_bf16=resolve_bf16(settings.bf16),
            max_batch_sentences=settings.max_batch_sentences,
            screen=settings.ensemble_screen,
        )
        chosen = getattr(extractor, "use_bf16", None)
        log.info("model runtime", extra={"threads": torch.get_num_threads(),
                                         "dtype": "bf16 autocast" if chosen else "fp32"})
    log.info("extractor loaded", extra={"extractor": extractor.name, "version": extractor.version,
                                         "seconds": round(time.perf_counter() - started, 2)})
    return extractor


@contextlib.contextmanager
def model_context() -> Iterator[None]:
    """torch.inference_mode around a model call when torch is in use (no import cost otherwise)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    with torch.inference_mode():
        yield


def warm_up(extractor: Extractor) -> float:
    """Run one small article through the model so the first real batch is not the slow one."""
    article = Article(id="a_warmup", text=WARMUP_TEXT, title="Warm-up",
                      published_at=dt.datetime(2024, 5, 14, 9, 30, tzinfo=dt.UTC),
                      ingested_at=dt.datetime.now(dt.UTC))
    started = time.perf_counter()
    with model_context():
        extractor.extract_batch([article])
    seconds = time.perf_counter() - started
    log.info("model warmed up", extra={"seconds": round(seconds, 3)})
    return seconds


def sentence_counts(extractor: object) -> tuple[int, int] | None:
    """(sentences read, of them screened out) so far by an ensemble extractor's model; None for others."""
    model = getattr(extractor, "model", None)
    read, screened = getattr(model, "sentences_read", None), getattr(model, "sentences_screened", None)
    return (read, screened) if isinstance(read, int) and isinstance(screened, int) else None


def screened_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of sentences screened out between two `sentence_counts`; None if none were read."""
    if before is None or after is None or after[0] == before[0]:
        return None
    return (after[1] - before[1]) / (after[0] - before[0])
