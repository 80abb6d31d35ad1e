from sitrep_ingest.dedupe import RecentIds


def test_recent_ids_remembers_until_capacity_then_forgets_oldest() -> None:
    recent = RecentIds(capacity=2, ttl_seconds=60)
    for article_id in ("a", "b", "c"):
        recent.add(article_id)
    assert "a" not in recent
    assert "b" in recent and "c" in recent
    assert len(recent) == 2


def test_recent_ids_forgets_after_ttl() -> None:
    now = [0.0]
    recent = RecentIds(capacity=10, ttl_seconds=5, clock=lambda: now[0])
    recent.add("a")
    now[0] = 4.9
    assert "a" in recent
    now[0] = 5.1
    assert "a" not in recent


def test_recent_ids_with_zero_capacity_remembers_nothing() -> None:
    recent = RecentIds(capacity=0, ttl_seconds=5)
    recent.add("a")
    assert "a" not in recent
