"""Route tests: the query API and the web view through TestClient, on SQLite, consumer off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sitrep_shared.models import Location
from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.app import create_app
from sitrep_store.metrics import StoreMetrics
from sitrep_store.repository import SqlRepository, open_repository
from sitrep_store.settings import StoreSettings
from sitrep_store.testing import generate, make_article, make_event, make_extraction

HOSTILE = 'Breaking: <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"> drones seen.'


@pytest.fixture
def seeded_repo(tmp_path: Path) -> Iterator[tuple[SqlRepository, str]]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    repo = open_repository(db.make_engine(DatabaseSettings(url=url)))
    repo.apply(list(generate(40, seed=4, events_per_article=3)))
    article = make_article(url="https://evil.example/x", text=HOSTILE, title="<b>bold</b> title")
    event = make_event(article, start=HOSTILE.index("<script>"), end=len(HOSTILE),
                       summary="<script>alert(1)</script>", type_="shootdown",
                       locations=[Location(name="<i>Kyiv</i>", country_code="UA", lat=50.4, lon=30.5)])
    repo.apply([make_extraction(article, [event])])
    yield repo, url
    repo.engine.dispose()


@pytest.fixture
def client(seeded_repo: tuple[SqlRepository, str]) -> Iterator[TestClient]:
    app = create_app(StoreSettings(database=DatabaseSettings(url=seeded_repo[1]), consume=False),
                     metrics=StoreMetrics())
    with TestClient(app) as test_client:
        yield test_client


def test_api_events_pages_through_everything(client: TestClient) -> None:
    seen, cursor = [], None
    while True:
        body = client.get("/v1/events", params={"limit": 17, **({"cursor": cursor} if cursor else {})}).json()
        seen += [e["event_id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 121


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"type": "bombing"}, "type"), ({"country": "Ukraine"}, "country"), ({"bbox": "1,2,3"}, "bbox"),
        ({"occurred_from": "2024-02-30"}, "occurred_from"), ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"), ({"min_confidence": 2}, "min_confidence"), ({"cursor": "zzz"}, "cursor"),
        ({"occurred_from": "2024-05-02", "occurred_to": "2024-05-01"}, "occurred_from"),
        ({"q": "!!!"}, "q"), ({"stance": "maybe"}, "stance"), ({"bbox": "0,80,10,70"}, "bbox"),
    ],
)
def test_api_bad_filter_is_400_naming_it(client: TestClient, params: dict[str, object], param: str) -> None:
    response = client.get("/v1/events", params=params)
    assert response.status_code == 400, response.text
    assert param in [e["param"] for e in response.json()["detail"]]


def test_api_event_and_article(client: TestClient) -> None:
    event = client.get("/v1/events", params={"claimant": "kyiv", "limit": 1}).json()["items"][0]
    detail = client.get(f"/v1/events/{event['event_id']}").json()
    assert detail["article"]["id"] == event["article_id"] and detail["evidence"]["sentence"]
    article = client.get(f"/v1/articles/{event['article_id']}").json()
    assert event["event_id"] in {e["event_id"] for e in article["events"]}
    assert client.get("/v1/events/e_nope").status_code == 404
    assert client.get("/v1/articles/a_nope").status_code == 404


def test_api_stats_and_exports(client: TestClient) -> None:
    stats = client.get("/v1/stats", params={"type": ["shootdown", "equipment_loss"]}).json()
    assert set(stats["by_type"]) <= {"shootdown", "equipment_loss"} and stats["total"] > 0
    csv_text = client.get("/v1/events.csv", params={"country": "UA"}).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("event_id_cnty,event_date,year") and len(lines) > 1
    geo = client.get("/v1/events.geojson", params={"limit": 5}).json()
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"


def test_api_stream_resumes_from_last_event_id(client: TestClient, seeded_repo: tuple[SqlRepository, str]) -> None:
    repo = seeded_repo[0]
    last = repo.last_seq()
    with client.stream("GET", "/v1/stream", params={"limit": 2},
                       headers={"Last-Event-ID": str(last - 2)}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        ids = []
        for line in response.iter_lines():
            if line.startswith("id: "):
                ids.append(int(line[4:]))
            if len(ids) == 2:
                break
    assert ids == [last - 1, last]
    assert client.get("/v1/stream", headers={"Last-Event-ID": "abc"}).status_code == 400


def test_web_escapes_hostile_article(client: TestClient) -> None:
    page = client.get("/", params={"type": "shootdown"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    event_id = client.get("/v1/events", params={"q": "alert"}).json()["items"][0]["event_id"]
    detail = client.get(f"/events/{event_id}").text
    assert '<mark id="evidence">&lt;script&gt;window.__pwned = 1&lt;/script&gt;' in detail
    assert "<img src=x" not in detail and "<i>Kyiv</i>" not in detail


def test_web_bad_filter_is_a_page(client: TestClient) -> None:
    page = client.get("/", params={"country": "Ukraine", "occurred_from": ""})
    assert page.status_code == 400 and "country" in page.text and "<h1>" in page.text


def test_ops_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    client.get("/v1/events")
    text = client.get("/metrics").text
    assert 'sitrep_store_query_duration_seconds_count{route="/v1/events"} 1.0' in text
    assert "sitrep_store_dlq_messages_total" in text and "sitrep_store_consumer_lag_messages" in text
