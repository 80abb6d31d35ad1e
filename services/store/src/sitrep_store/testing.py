"""Extractions built straight from the wire models, for tests, the benchmark and demo data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from sitrep_shared import ids
from sitrep_shared.models import (
    EVENT_TYPES,
    Article,
    Event,
    EventDate,
    Evidence,
    Extraction,
    Location,
    ModelInfo,
)

# (code, name, lat, lon), skewed: most news is about the first few.
PLACES = [
    ("UA", "Kharkiv", 49.99, 36.23), ("UA", "Kyiv", 50.45, 30.52), ("UA", "Odesa", 46.48, 30.72),
    ("RU", "Moscow", 55.75, 37.62), ("RU", "Kaluga", 54.51, 36.26), ("RU", "Belgorod", 50.60, 36.59),
    ("PL", "Rzeszow", 50.04, 22.00), ("RO", "Tulcea", 45.18, 28.80), ("BY", "Minsk", 53.90, 27.56),
    ("MD", "Chisinau", 47.01, 28.86), ("DE", "Berlin", 52.52, 13.40), ("KP", "Pyongyang", 39.03, 125.75),
    ("SY", "Aleppo", 36.20, 37.13), ("IL", "Haifa", 32.79, 34.99), ("YE", "Hodeidah", 14.80, 42.95),
    ("SD", "Khartoum", 15.50, 32.56),
]
CLAIMANTS = ["Russia's defense ministry", "Kyiv", "Ukraine's air force", "the governor", None,
             "Nato", "the Pentagon", "local officials"]
ACTORS = ["Russia", "Ukraine", "Russian forces", "Ukrainian forces", "Hamas", "Israel", "Houthis", None]
WORDS = ["drones", "missiles", "airport", "port", "territory", "village", "tank", "artillery",
         "shelling", "convoy", "bridge", "refinery", "grain", "warehouse", "radar", "ammunition"]
# A long tail of rarer words, so that a text query is as selective as on real news.
RARE = [f"{stem}{suffix}" for stem in ("kup", "vol", "dar", "sen", "mir", "tal", "bor", "zan", "lek", "rov")
        for suffix in ("ansk", "ovo", "ivka", "enko", "yne", "ets", "ino", "ach", "yuk", "iv", "ka", "ny")]


def make_event(article: Article, *, type_: str = "shootdown", start: int = 0, end: int | None = None,
               **overrides: Any) -> Event:
    end = len(article.text) if end is None else end
    fields: dict[str, Any] = {
        "event_id": ids.event_id(article_id=article.id, event_type=type_, start=start, end=end),
        "type": type_, "confidence": 0.9, "summary": f"{type_} reported", "stance": "asserted",
        "evidence": Evidence(sentence=article.text[start:end], start=start, end=end),
    }
    fields.update(overrides)
    return Event(**fields)


def make_article(*, url: str | None = None, text: str = "Air defences destroyed two drones over Kaluga.",
                 published_at: dt.datetime | None = dt.datetime(2024, 5, 14, 9, 30, tzinfo=dt.UTC),
                 **overrides: Any) -> Article:
    return Article(id=ids.article_id(url=url, text=text), url=url, text=text, published_at=published_at,
                   ingested_at=dt.datetime(2024, 5, 14, 10, 0, tzinfo=dt.UTC), **overrides)


def make_extraction(article: Article, events: list[Event], *, version: str = "1") -> Extraction:
    return Extraction(article=article, model=ModelInfo(name="test-model", version=version), events=events,
                      extracted_at=dt.datetime.now(dt.UTC))


def generate(n_articles: int, *, seed: int = 7, events_per_article: int = 5,
             start: dt.date = dt.date(2022, 2, 24), days: int = 900, in_order: bool = False) -> Iterator[Extraction]:
    """Realistic-ish skew: a few types, countries and claimants dominate; recent days are busier.

    Articles come in random date order, or with `in_order` in publication order (as a live feed or
    an archive replay delivers them), with the same distribution of days.
    """
    rng = random.Random(seed)
    type_weights = [30, 5, 12, 25, 4, 8, 10, 4, 2]
    place_weights = [30, 20, 10, 14, 5, 6, 3, 2, 2, 1, 1, 1, 2, 1, 1, 1]
    for i in range(n_articles):
        share = (i + rng.random()) / n_articles if in_order else rng.random()
        day = start + dt.timedelta(days=int(days * share ** 0.6))
        published = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), dt.UTC)
        sentences = []
        for _ in range(events_per_article):
            words = " ".join([*rng.choices(WORDS, k=3), *rng.choices(RARE, k=3)])
            sentences.append(f"Officials said {words} were hit near {rng.choice(PLACES)[1]}.")
        text = " ".join(sentences)
        article = Article(id=ids.article_id(url=f"https://news.example/{seed}/{i}", text=text),
                          url=f"https://news.example/{seed}/{i}", title=f"Report {i}", text=text,
                          source=rng.choice(["Wire A", "Wire B", "Daily C", "Herald D"]),
                          published_at=published, ingested_at=published + dt.timedelta(minutes=5))
        events, offset = [], 0
        for k, sentence in enumerate(sentences):
            type_ = rng.choices(EVENT_TYPES, weights=type_weights)[0]
            code, name, lat, lon = rng.choices(PLACES, weights=place_weights)[0]
            occurred = day - dt.timedelta(days=rng.choice([0, 0, 0, 1, 2])) if rng.random() < 0.85 else None
            claimant = rng.choice(CLAIMANTS)
            events.append(Event(
                event_id=ids.event_id(article_id=article.id, event_type=type_, start=offset,
                                      end=offset + len(sentence)),
                type=type_, confidence=round(0.4 + 0.6 * rng.random(), 3),
                summary=f"{claimant or 'Officials'}: {type_.replace('_', ' ')} near {name} ({k})",
                claimant=claimant, stance=rng.choices(["asserted", "denied", "reported"], [7, 1, 2])[0],
                actor=rng.choice(ACTORS), target=rng.choice(WORDS), object=rng.choice(WORDS),
                locations=[Location(name=name, country_code=code, lat=lat + rng.uniform(-0.3, 0.3),
                                    lon=lon + rng.uniform(-0.3, 0.3), precision="city")],
                occurred_on=EventDate(date=occurred, expression="on Tuesday" if occurred else None,
                                      precision="day" if occurred else "unresolved"),
                evidence=Evidence(sentence=sentence, start=offset, end=offset + len(sentence)),
            ))
            offset += len(sentence) + 1
        yield Extraction(article=article, model=ModelInfo(name="bench", version="1"), events=events,
                         extracted_at=published + dt.timedelta(minutes=6))
