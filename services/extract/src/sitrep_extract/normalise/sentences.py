"""Sentence splitting with pysbd, plus hard breaks at blank lines and headline-style line breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Line-separated blocks: a newline ends a sentence (headlines, bylines, list items)."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            out.append((m.start(), m.end()))
    return out


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with character offsets into `text`; whitespace trimmed from each end."""
    out: list[Sentence] = []
    for b_start, b_end in _blocks(text):
        block = text[b_start:b_end]
        pos = 0
        for span in _segmenter().segment(block):
            # pysbd's spans can drift on odd whitespace: re-find each segment from the cursor.
            seg = span.sent.strip()
            if not seg:
                continue
            at = block.find(seg, pos)
            if at < 0:
                at = max(pos, span.start)
                seg = block[at : at + len(seg)]
            pos = at + len(seg)
            out.append(Sentence(b_start + at, b_start + at + len(seg), seg))
    return out
