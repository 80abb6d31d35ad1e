"""Quantities: "two", "a dozen", "1,200", "more than 900" -> value and qualifier."""

from __future__ import annotations

import re
from dataclasses import dataclass

from number_parser import parse_number

from sitrep_shared.models import QuantityQualifier

# Qualifier phrases as they appear right before a number (longest first).
_QUALIFIERS: tuple[tuple[str, QuantityQualifier], ...] = (
    ("no fewer than", "at_least"),
    ("no less than", "at_least"),
    ("a minimum of", "at_least"),
    ("at least", "at_least"),
    ("more than", "more_than"),
    ("upwards of", "more_than"),
    ("in excess of", "more_than"),
    ("over", "more_than"),
    ("above", "more_than"),
    ("roughly", "about"),
    ("approximately", "about"),
    ("around", "about"),
    ("about", "about"),
    ("almost", "about"),
    ("nearly", "about"),
    ("some", "about"),
    ("an estimated", "about"),
    ("estimated", "about"),
    ("close to", "about"),
    ("up to", "up_to"),
    ("as many as", "up_to"),
)
_VAGUE = {
    "a dozen": 12,
    "dozen": 12,
    "a couple": 2,
    "a couple of": 2,
    "a pair of": 2,
    "a single": 1,
    "single": 1,
    "a": 1,
    "an": 1,
}
# "Dozens" or "hundreds" of something is an order of magnitude, not a count: no quantity.
_UNCOUNTED = {"dozens", "scores", "hundreds", "thousands", "tens", "millions"}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class ParsedQuantity:
    value: float
    qualifier: QuantityQualifier
    text: str


def parse_value(text: str) -> float | None:
    """The number a phrase names: '1,200' -> 1200, 'two' -> 2, 'a dozen' -> 12, '1.5 million' -> 1.5e6."""
    s = text.strip().lower().replace("\u2009", "").replace("\xa0", " ")
    s = re.sub(r"^(?:the|about|some)\s+", "", s)
    s = s.strip(" .,;:()\"'")
    if not s:
        return None
    if s in _VAGUE:
        return float(_VAGUE[s])
    if s.split()[0] in _UNCOUNTED:
        return None
    if _DIGITS.match(s):
        return float(s.replace(",", ""))
    # "1.5 million", "3 thousand", "a million", "a dozen"
    m = re.match(r"^(\d+(?:[.,]\d+)?|a|an|one)\s+(hundred|thousand|million|billion)$", s)
    if m:
        head = m.group(1)
        base = 1.0 if head in ("a", "an", "one") else float(head.replace(",", "."))
        return base * _SCALES[m.group(2)]
    m = re.match(r"^(\d+)\s*(k|m|bn)$", s)
    if m:
        return float(m.group(1)) * {"k": 1e3, "m": 1e6, "bn": 1e9}[m.group(2)]
    m = re.match(r"^(\d+)-(\w+)$", s)  # "12-year" style compounds are not counts
    if m:
        return None
    words = s.replace("-", " ")
    try:
        value = parse_number(words)
    except Exception:  # number-parser raises on some odd inputs; treat as "not a number"
        value = None
    if value is None:
        # "dozens of", "two dozen"
        m = re.match(r"^(\w+)\s+dozen$", s)
        if m:
            head = parse_value(m.group(1))
            return head * 12 if head else None
        return None
    return float(value)


def qualifier_before(prefix: str) -> QuantityQualifier:
    """The qualifier that ends the text just before a number ('... at least ' -> 'at_least')."""
    tail = re.sub(r"\s+", " ", prefix.lower()).rstrip()
    for phrase, qualifier in _QUALIFIERS:
        if tail.endswith(" " + phrase) or tail == phrase:
            return qualifier
    return "exact"


def parse_quantity(text: str, *, prefix: str = "") -> ParsedQuantity | None:
    """A quantity span plus the text before it -> value and qualifier, or None if it is no number.

    The qualifier may be inside the span ("more than 900") or just before it (prefix "at least ").
    """
    span = text.strip()
    qualifier: QuantityQualifier = "exact"
    low = span.lower()
    for phrase, q in _QUALIFIERS:
        if low.startswith(phrase + " "):
            qualifier = q
            span = span[len(phrase) + 1 :].strip()
            break
    else:
        qualifier = qualifier_before(prefix)
    value = parse_value(span)
    if value is None:
        # the span may carry its noun too: "two drones", "1,200 people"
        tokens = span.split()
        for n in range(len(tokens) - 1, 0, -1):
            value = parse_value(" ".join(tokens[:n]))
            if value is not None:
                break
    if value is None:
        return None
    return ParsedQuantity(value=value, qualifier=qualifier, text=text.strip())
