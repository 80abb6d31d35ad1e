"""What the model read in one sentence: a typed mention with its argument spans."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    role: str
    start: int  # offsets in the article text
    end: int
    text: str


@dataclass
class Mention:
    """One predicted (sentence, type): what the model read in one sentence."""

    type: str
    confidence: float
    stance: str
    sentence_start: int
    sentence_end: int
    sentence: str
    spans: list[Span] = field(default_factory=list)
    index: int = 0  # the sentence's position in the article
    key: tuple[int, int] | None = None  # id offsets of an event split off its sentence (split.py)

    def first(self, role: str) -> str | None:
        return next((s.text for s in self.spans if s.role == role), None)

    def all(self, role: str) -> list[Span]:
        return [s for s in self.spans if s.role == role]
