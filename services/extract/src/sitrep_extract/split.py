"""One sentence, several events of one type: the guideline "separate airports or regions and separate
attacks are separate events, even when one sentence reports them all".

The model reads one (sentence, type) at a time, so a sentence such as "destroyed two drones over
Kaluga and Tver, and one over Istra" arrives as one mention with two counts. `split_mention` cuts it
into one mention per count (and per airport for airport disruptions); everything else in the
sentence (claimant, time, stance) is shared. A total with its breakdown ("56 drones: 11 over Belgorod
and 28 over Voronezh") stays one event, as the guidelines say.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sitrep_extract.mention import Mention, Span
from sitrep_extract.normalise.numbers import parse_quantity

_COUNTED = ("shootdown", "drone_or_missile_strike")
# A place written right after these is where flights went instead, not another disrupted airport.
_DIVERTED = re.compile(r"(?:\bto|\btowards|\b(?:divert|redirect|rerout|land)\w*(?:\s+\w+){0,3}\s+(?:in|at|to))"
                       r"\s+(?:the\s+)?$|\bbetween\s+\S+(?:\s+\S+)?\s+and\s+$", re.I)
_POSSESSIVE = re.compile(r"^['\u2019]s\b")
_LISTED = re.compile(r"\s*(?:,|and|or|, and|, or)\s*(?:the\s+)?", re.I)
_CAUSE = re.compile(r"\b(?:after|because|due to|following|as a result of|when)\b", re.I)
# What a later count in a shootdown or strike sentence may be followed by: "and one more over Istra",
# "three drones over Kursk"; not "killed one of the group's commanders".
_SAME_KIND = re.compile(r"\s*(?:more|others?|additional|further|over|in|near|above|on|at|were|was|"
                        r"(?:[\w-]+\s+){0,2}?(?:drones?|missiles?|rockets?|uavs?|shaheds?|projectiles?|targets?|"
                        r"bombs?|aircraft|helicopters?|jets?|planes?))\b", re.I)
_PART_OF = re.compile(r"\b(?:including|of which|of them|among them)\b", re.I)


def split_mention(m: Mention) -> list[Mention]:
    """The mention as one or more mentions, each with its own places (and count)."""
    if m.type in _COUNTED:
        return _split_by_count(m)
    if m.type == "airport_disruption":
        return _split_by_airport(m)
    return [m]


def _with(m: Mention, own: list[Span], key: Span | None) -> Mention:
    shared = [s for s in m.spans if s.role not in ("location", "quantity")]
    return replace(m, spans=shared + own, key=(key.start, key.end) if key else None)


def _split_by_count(m: Mention) -> list[Mention]:
    counts = [s for s in m.all("quantity") if parse_quantity(s.text, prefix=_before(m, s)) is not None]
    places = m.all("location")
    if len(counts) < 2 or len(places) < 2:
        return [m]
    if not all(_SAME_KIND.match(m.sentence[c.end - m.sentence_start:]) for c in counts[1:]):
        return [m]  # a later number counts something else
    groups: list[list[Span]] = []
    for i, count in enumerate(counts):
        end = counts[i + 1].start if i + 1 < len(counts) else m.sentence_end
        start = count.start if i else m.sentence_start
        groups.append([count, *(p for p in places if start <= p.start < end)])
    values = [parse_quantity(s.text, prefix=_before(m, s)).value for s in counts]  # type: ignore[union-attr]
    total_first = values[0] >= sum(values[1:])
    if total_first and (len(groups[0]) == 1 or _PART_OF.search(m.sentence)):
        return [m]  # "56 drones, 11 over Belgorod and 28 over Voronezh": a total and its breakdown
    if any(len(group) == 1 for group in groups):
        return [m]  # a count with no place of its own: no telling the events apart
    return [_with(m, group, key=None if i == 0 else group[0]) for i, group in enumerate(groups)]


def _split_by_airport(m: Mention) -> list[Mention]:
    places = m.all("location")
    if len(places) < 2:
        return [m]
    groups: list[list[Span]] = []
    diverted = False
    cause = _CAUSE.search(m.sentence)
    for i, place in enumerate(places):
        before = _before(m, place)
        listed = i > 0 and _LISTED.fullmatch(m.sentence[places[i - 1].end - m.sentence_start:
                                                           place.start - m.sentence_start])
        # "diverted to Samara and Nizhny Novgorod" are where flights went instead, not disrupted airports.
        diverted = bool(_DIVERTED.search(before)) or bool(listed and diverted)
        after_cause = cause is not None and place.start - m.sentence_start > cause.start()
        # "Moscow's Vnukovo" is one airport; a place in the "after a drone was downed over X" clause is the cause's.
        if groups and (diverted or after_cause or _joined_by_possessive(groups[-1][-1], m)):
            groups[-1].append(place)
        else:
            groups.append([place])
    if len(groups) < 2:
        return [m]
    quantity = m.all("quantity")
    return [_with(m, group + (quantity if i == 0 else []), key=None if i == 0 else group[0])
            for i, group in enumerate(groups)]


def _joined_by_possessive(previous: Span, m: Mention) -> bool:
    return bool(_POSSESSIVE.match(m.sentence[previous.end - m.sentence_start:]))


def _before(m: Mention, span: Span) -> str:
    return m.sentence[: span.start - m.sentence_start]
