"""Keyword baseline: regular expressions per event type. For comparison in `evaluate` only."""

from __future__ import annotations

import re

from sitrep_extract.assemble import Mention, Span, assemble
from sitrep_extract.normalise.gazetteer import gazetteer
from sitrep_extract.normalise.sentences import split_sentences
from sitrep_shared.models import Article, Event

PATTERNS: dict[str, re.Pattern[str]] = {
    "shootdown": re.compile(
        r"\b(shot down|shoot down|downed|intercepted|destroyed \w+ drones?|air defen[cs]es?)\b", re.I),
    "airport_disruption": re.compile(r"\b(airports?|flights? (?:were|was) (?:cancel|divert|suspend|halt))", re.I),
    "territorial_claim": re.compile(r"\b(captured|recaptured|liberated|took control|seized|regained|retook)\b", re.I),
    "drone_or_missile_strike": re.compile(
        r"\b(air ?strikes?|struck|shelling|shelled|missile attack|drone attack|bombard\w*|hit)\b", re.I),
    "cross_border_incident": re.compile(r"\b(debris|fragments?|stray|landed in|airspace)\b", re.I),
    "equipment_loss": re.compile(
        r"\b(destroyed|sunk|sank|captured) (?:\w+ ){0,3}"
        r"(tanks?|vehicles?|ships?|launchers?|howitzers?|Leopard|Abrams|Challenger|Bradley)", re.I),
    "casualty_report": re.compile(r"\b(killed|injured|wounded|dead|died|casualties|deaths?)\b", re.I),
    "arms_transfer": re.compile(
        r"\b(deliver\w*|supply\w*|supplied|shipment|weapons (?:package|aid)|sent|transfer\w*|influx)\b", re.I),
    "diplomatic_meeting": re.compile(r"\b(met with|meeting|talks|summit|meet)\b", re.I),
}
_DENIED = re.compile(r"\b(denied|denies|not|no|never|rejected)\b", re.I)
_REPORTED = re.compile(r"\b(reportedly|allegedly|will|would|plans?|planned|expected|fears?|may|could)\b", re.I)
_NUMBER = re.compile(r"\b(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
                     r"hundreds?|thousands?)\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)?\b")


class KeywordBaseline:
    name = "keyword-baseline"
    version = "1"
    merge = True

    def _spans(self, text: str, offset: int) -> list[Span]:
        spans = [Span("quantity", offset + m.start(), offset + m.end(), m.group()) for m in _NUMBER.finditer(text)]
        gaz = gazetteer()
        for m in _CAPITALISED.finditer(text):
            if m.start() == 0:
                continue
            cands, _ = gaz.candidates(m.group())
            if cands:
                spans.append(Span("location", offset + m.start(), offset + m.end(), m.group()))
        return spans

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        out = []
        for article in articles:
            mentions = []
            for s in split_sentences(article.text):
                spans = None
                for type_, pattern in PATTERNS.items():
                    if not pattern.search(s.text):
                        continue
                    spans = spans if spans is not None else self._spans(s.text, s.start)
                    stance = ("denied" if _DENIED.search(s.text)
                              else "reported" if _REPORTED.search(s.text) else "asserted")
                    mentions.append(Mention(type=type_, confidence=0.5, stance=stance, sentence_start=s.start,
                                            sentence_end=s.end, sentence=s.text, spans=spans))
            out.append(assemble(article, mentions, merge=self.merge))
        return out
