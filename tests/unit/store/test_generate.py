"""The generated extractions the benchmark and tests use: both arrival orders, one distribution."""

from __future__ import annotations

from sitrep_store.testing import generate


def _days(in_order: bool) -> list[str]:
    return [x.article.published_at.date().isoformat() for x in generate(400, seed=3, in_order=in_order)
            if x.article.published_at]


def test_in_order_articles_come_by_publication_day() -> None:
    days = _days(True)
    assert days == sorted(days) and len(set(days)) > 100


def test_shuffled_articles_do_not_and_both_cover_the_same_span() -> None:
    shuffled, ordered = _days(False), _days(True)
    assert shuffled != sorted(shuffled)
    # Same distribution: recent days are busier in both (the second half of the span holds most articles).
    for days in (shuffled, ordered):
        recent = sum(d >= "2023-07-11" for d in days) / len(days)
        assert 0.55 < recent < 0.8, recent
