"""The event index: one repository, SQL shared by SQLite and PostgreSQL, dialect bits in `_Backend`.

Writes: `apply(extractions)` upserts each article and replaces its whole event set, all in one
transaction. Reads: filtered, keyset-paginated events (newest `event_date` first, then `event_id`),
one event or article, counts, and the change feed (`seq`) behind the live stream.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    any_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from sitrep_shared.models import EVENT_TYPES, Extraction
from sitrep_store import db
from sitrep_store.schemas import (
    ApplyResult,
    ArticleRead,
    ArticleWithEvents,
    DayCount,
    EventDetail,
    EventFilter,
    EventPage,
    EventRead,
    Stats,
    text_terms,
)
from sitrep_store.tables import (
    articles,
    country_counts,
    daily_country_counts,
    daily_counts,
    event_locations,
    events,
    store_counters,
)

CHUNK = 2000  # ids per IN (...) lookup
TEXT_FEW = 2000  # up to this many full-text matches, fetch them all and sort; beyond, walk an index
_ADVISORY_LOCK_KEY = 0x5171_4E9  # serialises PostgreSQL writers so that `seq` order is commit order


class InvalidCursor(ValueError):
    """The cursor was not made by this API."""


class Repository(Protocol):
    """What the worker and the API need from storage."""

    def apply(self, extractions: Sequence[Extraction]) -> ApplyResult: ...
    def list_events(self, flt: EventFilter, *, limit: int, cursor: str | None = None) -> EventPage: ...
    def get_event(self, event_id: str) -> EventDetail | None: ...
    def get_article(self, article_id: str) -> ArticleWithEvents | None: ...
    def stats(self, flt: EventFilter) -> Stats: ...
    def events_since(self, seq: int, *, limit: int) -> list[EventRead]: ...
    def last_seq(self) -> int: ...
    def count_events(self) -> int: ...
    def ping(self) -> bool: ...


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value is not None else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def encode_cursor(event_date: dt.date, event_id: str) -> str:
    raw = json.dumps([event_date.isoformat(), event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.date, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        day, event_id = json.loads(raw)
        if not isinstance(event_id, str) or len(event_id) > 64:
            raise ValueError(event_id)
        return dt.date.fromisoformat(day), event_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor: not a cursor returned by this API") from exc


def content_hash(extraction: Extraction, payloads: Sequence[str]) -> str:
    """Same article, model and events (`payloads`: their JSON) -> same hash; `extracted_at` does not count."""
    # Field order is the models' own (they hold no free-form mappings), so the JSON is canonical.
    digest = hashlib.sha256(extraction.article.model_dump_json().encode())
    digest.update(extraction.model.model_dump_json().encode())
    for payload in payloads:
        digest.update(b"\n")
        digest.update(payload.encode())
    return digest.hexdigest()


@dataclass
class _Incoming:
    """One extraction as the writer stores it: its events without repeated ids, serialised once."""

    extraction: Extraction
    events: list[Any]
    payloads: list[str]
    hash: str

    @classmethod
    def of(cls, extraction: Extraction) -> _Incoming:
        by_id = {e.event_id: e for e in extraction.events}
        events_ = list(by_id.values())
        payloads = [e.model_dump_json() for e in events_]
        return cls(extraction, events_, payloads, content_hash(extraction, payloads))


def _search_text(event: Any) -> str:
    parts = [event.summary, event.evidence.sentence, event.claimant, event.actor, event.target,
             event.object, *(loc.name for loc in event.locations)]
    return " ".join(p for p in parts if p)


class _Backend:
    name = "sqlite"
    insert = staticmethod(sqlite_insert)  # with ON CONFLICT

    @staticmethod
    def _match(terms: list[str]) -> str:
        return " ".join(f'"{t}"*' for t in terms)

    def text_condition(self, terms: list[str], *, many: bool = False) -> ColumnElement[bool]:
        # With many matches, `+seq` keeps SQLite from fetching every match by rowid and sorting them
        # all: it walks the sort (or another filter's) index instead and probes the set of matches.
        seq = "+events.seq" if many else "events.seq"
        return text(f"{seq} IN (SELECT rowid FROM events_fts WHERE events_fts MATCH :match)").bindparams(
            match=self._match(terms))

    def text_matches_many(self, conn: Connection, terms: list[str]) -> bool:
        """Whether more than TEXT_FEW events match (counted no further than that)."""
        return bool(conn.execute(text(
            "SELECT count(*) > :few FROM (SELECT rowid FROM events_fts WHERE events_fts MATCH :match "
            "LIMIT :few + 1)"), {"match": self._match(terms), "few": TEXT_FEW}).scalar_one())

    def start_write(self, conn: Connection) -> None:
        """SQLite: BEGIN IMMEDIATE already holds the one write lock."""

    @staticmethod
    def among(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
        """`column IN (values)`, for the writer's look-ups by key."""
        return column.in_(values)


class _PostgresBackend(_Backend):
    name = "postgresql"
    insert = staticmethod(postgresql_insert)

    @staticmethod
    def among(column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
        # One array parameter: psycopg parses a statement with 2,000 placeholders afresh every time.
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))

    def text_condition(self, terms: list[str], *, many: bool = False) -> ColumnElement[bool]:
        query = " & ".join(f"{t}:*" for t in terms)
        return literal_column("events.search").op("@@")(func.to_tsquery("simple", query))

    def text_matches_many(self, conn: Connection, terms: list[str]) -> bool:
        return False  # the planner has the statistics to choose

    def start_write(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        # The writer only looks rows up by key. Without fresh statistics (a bulk load outruns
        # autovacuum, or it is off) `article_id IN (...)` is estimated to match every row and
        # becomes a scan of the whole table per batch; this keeps the index probes.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def _pg_copy(conn: Connection, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY the rows in, inside the connection's transaction (a fraction of INSERT's cost per row)."""
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        # As SQLAlchemy would have raised it, so that the worker tells transient from rejected.
        raise DBAPIError.instance(sql, None, exc, psycopg.Error, dialect=conn.dialect) from exc


class SqlRepository:
    """The repository on SQLite or PostgreSQL, chosen by the engine's dialect."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backend = _PostgresBackend() if engine.dialect.name == "postgresql" else _Backend()

    # ---- writes -------------------------------------------------------------------------------

    def apply(self, extractions: Sequence[Extraction]) -> ApplyResult:
        """Upsert the articles and replace their event sets in one transaction (last one wins)."""
        latest: dict[str, Extraction] = {}
        for extraction in extractions:
            latest.pop(extraction.article.id, None)
            latest[extraction.article.id] = extraction
        result = ApplyResult()
        if not latest:
            return result
        with self.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            self.backend.start_write(conn)
            incoming = {aid: _Incoming.of(x) for aid, x in latest.items()}
            stored: dict[str, str] = {}
            for chunk in _chunks(list(latest)):
                rows = conn.execute(select(articles.c.id, articles.c.content_hash)
                                    .where(self.backend.among(articles.c.id, chunk)))
                stored.update({r.id: r.content_hash for r in rows})
            changed = [x for aid, x in incoming.items() if stored.get(aid) != x.hash]
            result.unchanged = len(latest) - len(changed)
            if not changed:
                return result
            old_seqs = self._old_seqs(conn, [x.extraction.article.id for x in changed],
                                      [e.event_id for x in changed for e in x.events])
            for chunk in _chunks(old_seqs):
                self._count(conn, self.backend.among(events.c.seq, chunk), sign=-1)
                conn.execute(delete(event_locations).where(self.backend.among(event_locations.c.event_seq, chunk)))
                conn.execute(delete(events).where(self.backend.among(events.c.seq, chunk)))
            self._upsert_articles(conn, changed)
            written = self._insert_events(conn, changed)
            if written:
                self._count(conn, events.c.seq.between(written.start, written.stop - 1), sign=1)
            result.applied = len(changed)
            result.events_written = len(written)
            result.events_removed = len(old_seqs)
        return result

    def _old_seqs(self, conn: Connection, article_ids: list[str], event_ids: list[str]) -> list[int]:
        """The events to replace: the articles' own, and any whose id another article holds."""
        seqs: set[int] = set()
        for chunk in _chunks(article_ids):
            seqs.update(conn.execute(select(events.c.seq).where(self.backend.among(events.c.article_id, chunk)))
                        .scalars())
        # An event id claimed by another article moves here rather than failing the whole batch.
        for chunk in _chunks(event_ids):
            seqs.update(conn.execute(select(events.c.seq).where(self.backend.among(events.c.event_id, chunk)))
                        .scalars())
        return sorted(seqs)

    def _upsert_articles(self, conn: Connection, changed: list[_Incoming]) -> None:
        rows = []
        for x in changed:
            a = x.extraction.article
            rows.append({
                "id": a.id, "url": a.url, "title": a.title, "text": a.text, "source": a.source,
                "author": a.author, "language": a.language, "published_at": _naive_utc(a.published_at),
                "ingested_at": _naive_utc(a.ingested_at), "model_name": x.extraction.model.name,
                "model_version": x.extraction.model.version, "extracted_at": _naive_utc(x.extraction.extracted_at),
                "content_hash": x.hash, "event_count": len(x.events),
            })
        updates = ", ".join(f"{c.name} = excluded.{c.name}" for c in articles.columns if c.name != "id")
        self._insert_many(conn, articles, rows, suffix=f" ON CONFLICT (id) DO UPDATE SET {updates}")

    def _insert_events(self, conn: Connection, changed: list[_Incoming]) -> range:
        """Insert the events and their locations; returns the seqs they were given."""
        rows: list[dict[str, Any]] = []
        located: list[Any] = []
        for x in changed:
            a = x.extraction.article
            fallback = (a.published_at or a.ingested_at).astimezone(dt.UTC).date()
            published_at = _naive_utc(a.published_at)
            version = x.extraction.model.version
            for e, payload in zip(x.events, x.payloads, strict=True):
                rows.append({
                    "event_id": e.event_id, "article_id": a.id, "type": e.type, "stance": e.stance,
                    "confidence": e.confidence, "summary": e.summary, "claimant": e.claimant,
                    "claimant_lc": e.claimant.lower() if e.claimant else None, "actor": e.actor,
                    "actor_lc": e.actor.lower() if e.actor else None,
                    "event_date": e.occurred_on.date or fallback,
                    "occurred_on": e.occurred_on.date, "published_at": published_at,
                    "source": a.source, "model_version": version,
                    # Serialised by pydantic straight to JSON: what `model_dump(mode="json")` holds.
                    "search_text": _search_text(e), "payload": payload,
                })
                located.append(e)
        if not rows:
            return range(0)
        # Assigned here rather than by the database: no RETURNING, so inserts batch, and never reused.
        counter = store_counters.c
        last = conn.execute(select(counter.value).where(counter.name == "event_seq")).scalar_one()
        seqs = range(last + 1, last + 1 + len(rows))
        for row, seq in zip(rows, seqs, strict=True):
            row["seq"] = seq
        conn.execute(store_counters.update().where(counter.name == "event_seq").values(value=seqs[-1]))
        self._insert_many(conn, events, rows, json_columns=("payload",))
        locations = [
            {"event_seq": seq, "idx": i, "name": loc.name, "name_lc": loc.name.lower(),
             "country_code": loc.country_code, "lat": loc.lat, "lon": loc.lon, "precision": loc.precision}
            for seq, e in zip(seqs, located, strict=True)
            for i, loc in enumerate(e.locations)
        ]
        self._insert_many(conn, event_locations, locations)
        return seqs

    def _insert_many(self, conn: Connection, table: Any, rows: list[dict[str, Any]],
                     json_columns: tuple[str, ...] = (), suffix: str = "") -> None:
        """INSERT the rows (SQLite: executemany; PostgreSQL: COPY, or unnest() with a `suffix`).

        Values are converted as Core would, without Core's per-row cost; `json_columns` arrive
        already serialised to JSON text.
        """
        if not rows:
            return
        dialect = conn.dialect
        names = list(rows[0])
        convert = [(i, p) for i, name in enumerate(names) if name not in json_columns
                   for p in [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)] if p]
        params: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row.values())
            for i, p in convert:
                if values[i] is not None:
                    values[i] = p(values[i])
            params.append(tuple(values))
        into = f"INSERT INTO {table.name} ({', '.join(names)})"
        if self.backend.name == "sqlite":  # in-process: executemany reuses one prepared statement
            sql = f"{into} VALUES ({', '.join(['?'] * len(names))}){suffix}"
            for chunk in _chunks(params, 2000):
                conn.exec_driver_sql(sql, list(chunk))
        elif not suffix:
            _pg_copy(conn, table.name, names, params)
        else:
            # One array per column: a fixed statement text, planned once, instead of one per row.
            arrays = ", ".join(f"%s::{table.c[n].type.compile(dialect)}[]" for n in names)
            columns = tuple(list(values) for values in zip(*params, strict=True))
            conn.exec_driver_sql(f"{into} SELECT * FROM unnest({arrays}){suffix}", columns)

    def _count(self, conn: Connection, which: ColumnElement[bool], *, sign: int) -> None:
        """Add the chosen events to the roll-ups (`sign=1`), or take them away before a delete (-1).

        The database groups and counts: cheaper than building the counts in Python and sending
        them back as parameters.
        """
        e, loc = events.c, event_locations.c
        located = events.join(event_locations, loc.event_seq == e.seq)
        per_event = func.count() * sign
        per_country = func.count(e.seq.distinct()) * sign  # an event named twice in one country counts once
        with_country = (which, loc.country_code.is_not(None))
        self._add_counts(conn, daily_counts, select(e.type, e.event_date, per_event)
                         .where(which).group_by(e.type, e.event_date))
        self._add_counts(conn, daily_country_counts, select(e.type, e.event_date, loc.country_code, per_country)
                         .select_from(located).where(*with_country)
                         .group_by(e.type, e.event_date, loc.country_code))
        self._add_counts(conn, country_counts, select(e.type, loc.country_code, per_country)
                         .select_from(located).where(*with_country).group_by(e.type, loc.country_code))

    def _add_counts(self, conn: Connection, table: Any, counts: Select[Any]) -> None:
        """Add each counted row's `n` to the count under its key (the table's primary key)."""
        upsert = self.backend.insert(table).from_select([c.name for c in table.columns], counts)
        conn.execute(upsert.on_conflict_do_update(index_elements=list(table.primary_key.columns),
                                                  set_={"n": table.c.n + upsert.excluded.n}))

    # ---- reads --------------------------------------------------------------------------------

    def _conditions(self, flt: EventFilter, *, many_text: bool = False) -> list[ColumnElement[bool]]:
        c = events.c
        conds: list[ColumnElement[bool]] = []
        if flt.types:
            conds.append(c.type.in_(flt.types))
        if flt.stance:
            conds.append(c.stance == flt.stance)
        if flt.claimant:
            conds.append(c.claimant_lc == flt.claimant.lower())
        if flt.actor:
            conds.append(c.actor_lc == flt.actor.lower())
        loc = event_locations.c
        if flt.countries:
            conds.append(exists().where(loc.event_seq == c.seq, loc.country_code.in_(flt.countries)))
        if flt.location:
            conds.append(exists().where(loc.event_seq == c.seq, loc.name_lc == flt.location.lower()))
        if flt.bbox:
            min_lon, min_lat, max_lon, max_lat = flt.bbox
            lon_cond = (loc.lon.between(min_lon, max_lon) if min_lon <= max_lon
                        else or_(loc.lon >= min_lon, loc.lon <= max_lon))  # crosses the antimeridian
            conds.append(exists().where(loc.event_seq == c.seq, loc.lat.between(min_lat, max_lat), lon_cond))
        if flt.occurred_from:
            conds.append(c.event_date >= flt.occurred_from)
        if flt.occurred_to:
            conds.append(c.event_date <= flt.occurred_to)
        if flt.published_from:
            conds.append(c.published_at >= _naive_utc(flt.published_from))
        if flt.published_to:
            conds.append(c.published_at <= _naive_utc(flt.published_to))
        if flt.q:
            conds.append(self.backend.text_condition(text_terms(flt.q), many=many_text))
        if flt.min_confidence is not None:
            conds.append(c.confidence >= flt.min_confidence)
        if flt.model_version:
            conds.append(c.model_version == flt.model_version)
        if flt.article_id:
            conds.append(c.article_id == flt.article_id)
        return conds

    @staticmethod
    def _event_columns() -> Select[Any]:
        c = events.c
        return select(c.seq, c.event_id, c.article_id, c.event_date, c.published_at, c.source,
                      c.model_version, c.payload)

    @staticmethod
    def _to_event(row: Any) -> EventRead:
        payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
        return EventRead.model_validate({
            **payload, "article_id": row.article_id, "event_date": _as_date(row.event_date),
            "published_at": _aware(row.published_at), "source": row.source,
            "model_version": row.model_version, "seq": row.seq,
        })

    def list_events(self, flt: EventFilter, *, limit: int, cursor: str | None = None) -> EventPage:
        c = events.c
        cursor_at = decode_cursor(cursor) if cursor else None
        with self.engine.connect() as conn:
            many_text = bool(flt.q) and self.backend.text_matches_many(conn, text_terms(flt.q or ""))
            stmt = self._event_columns().where(*self._conditions(flt, many_text=many_text))
            if cursor_at:
                stmt = stmt.where(tuple_(c.event_date, c.event_id) < tuple_(*cursor_at))
            stmt = stmt.order_by(c.event_date.desc(), c.event_id.desc()).limit(limit + 1)
            rows = conn.execute(stmt).all()
        items = [self._to_event(r) for r in rows[:limit]]
        next_cursor = encode_cursor(items[-1].event_date, items[-1].event_id) if len(rows) > limit else None
        return EventPage(items=items, next_cursor=next_cursor, limit=limit)

    @staticmethod
    def _to_article(row: Any) -> ArticleRead:
        return ArticleRead.model_validate({
            "id": row.id, "url": row.url, "title": row.title, "text": row.text, "source": row.source,
            "author": row.author, "language": row.language, "published_at": _aware(row.published_at),
            "ingested_at": _aware(row.ingested_at),
            "model": {"name": row.model_name, "version": row.model_version},
            "extracted_at": _aware(row.extracted_at), "event_count": row.event_count,
        })

    def get_event(self, event_id: str) -> EventDetail | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._event_columns().where(events.c.event_id == event_id)).first()
            if row is None:
                return None
            article = conn.execute(select(articles).where(articles.c.id == row.article_id)).one()
        event = self._to_event(row)
        return EventDetail.model_validate({**event.model_dump(), "article": self._to_article(article)})

    def get_article(self, article_id: str) -> ArticleWithEvents | None:
        with self.engine.connect() as conn:
            article = conn.execute(select(articles).where(articles.c.id == article_id)).first()
            if article is None:
                return None
            rows = conn.execute(self._event_columns().where(events.c.article_id == article_id)
                                .order_by(events.c.seq)).all()
        return ArticleWithEvents.model_validate({
            **self._to_article(article).model_dump(), "events": [self._to_event(r) for r in rows]})

    def stats(self, flt: EventFilter) -> Stats:
        with self.engine.connect() as conn:
            if self._rollup_answers(flt):
                return self._stats_from_rollups(conn, flt)
            conds = self._conditions(flt)
            c = events.c
            by_type = {t: n for t, n in conn.execute(
                select(c.type, func.count()).where(*conds).group_by(c.type))}
            by_day = [DayCount(day=_as_date(d), n=n) for d, n in conn.execute(
                select(c.event_date, func.count()).where(*conds).group_by(c.event_date)
                .order_by(c.event_date))]
            loc = event_locations.alias("counted").c  # not the one the filters' EXISTS correlate to
            pairs = (select(loc.event_seq, loc.country_code).distinct()
                     .join(events, events.c.seq == loc.event_seq)
                     .where(loc.country_code.is_not(None), *conds))
            if flt.countries:  # under a country filter, count only the countries asked for
                pairs = pairs.where(loc.country_code.in_(flt.countries))
            pairs = pairs.subquery()
            by_country = {cc: n for cc, n in conn.execute(
                select(pairs.c.country_code, func.count()).group_by(pairs.c.country_code))}
        return Stats(total=sum(by_type.values()), by_type=by_type, by_day=by_day,
                     by_country=dict(sorted(by_country.items(), key=lambda kv: -kv[1])))

    @staticmethod
    def _rollup_answers(flt: EventFilter) -> bool:
        used = {k for k, v in flt.model_dump(exclude_defaults=True).items() if v not in (None, ())}
        return used <= {"types", "occurred_from", "occurred_to", "countries"} and len(flt.countries) <= 1

    def _stats_from_rollups(self, conn: Connection, flt: EventFilter) -> Stats:
        country = flt.countries[0] if flt.countries else None
        table = daily_country_counts if country else daily_counts
        conds = self._rollup_conditions(table, flt)
        if country:
            conds.append(table.c.country_code == country)
        n = func.sum(table.c.n)
        by_type = {t: int(v) for t, v in conn.execute(select(table.c.type, n).where(*conds)
                                                       .group_by(table.c.type)) if v}
        by_day = [DayCount(day=_as_date(d), n=int(v)) for d, v in conn.execute(
            select(table.c.day, n).where(*conds).group_by(table.c.day).order_by(table.c.day)) if v]
        if country:
            by_country = {country: sum(by_type.values())} if by_type else {}
        else:
            # Without a date range the all-days totals answer, in a few hundred rows.
            dated = flt.occurred_from or flt.occurred_to
            counts = daily_country_counts if dated else country_counts
            cc = counts.c
            by_country = {k: int(v) for k, v in conn.execute(
                select(cc.country_code, func.sum(cc.n)).where(*self._rollup_conditions(counts, flt))
                .group_by(cc.country_code)) if v}
        return Stats(total=sum(by_type.values()), by_type=by_type, by_day=by_day,
                     by_country=dict(sorted(by_country.items(), key=lambda kv: -kv[1])))

    @staticmethod
    def _rollup_conditions(table: Any, flt: EventFilter) -> list[ColumnElement[bool]]:
        c = table.c
        # Every type spelled out when none is asked for: the (type, day, ...) keys then serve a
        # date range too. Stored types are always one of EVENT_TYPES (validated on the way in).
        conds: list[ColumnElement[bool]] = [c.n != 0, c.type.in_(flt.types or EVENT_TYPES)]
        if "day" in c:
            if flt.occurred_from:
                conds.append(c.day >= flt.occurred_from)
            if flt.occurred_to:
                conds.append(c.day <= flt.occurred_to)
        return conds

    def events_since(self, seq: int, *, limit: int) -> list[EventRead]:
        stmt = self._event_columns().where(events.c.seq > seq).order_by(events.c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [self._to_event(r) for r in conn.execute(stmt)]

    def count_events(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(daily_counts.c.n), 0))).scalar_one())

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())

    def snapshot(self) -> dict[str, Any]:
        """Ids and counts, for comparing two stores (tests, replays)."""
        with self.engine.connect() as conn:
            event_ids = sorted(conn.execute(select(events.c.event_id)).scalars())
            article_ids = sorted(conn.execute(select(articles.c.id)).scalars())
            locations = conn.execute(select(func.count()).select_from(event_locations)).scalar_one()
        return {"articles": article_ids, "events": event_ids, "locations": locations}

    def ping(self) -> bool:
        return db.ping(self.engine)


def open_repository(engine: Engine, *, migrate: bool = True) -> SqlRepository:
    if migrate:
        db.migrate(engine)
    return SqlRepository(engine)


def ids_of(items: Iterable[EventRead]) -> list[str]:
    return [e.event_id for e in items]


__all__ = ["InvalidCursor", "Repository", "SqlRepository", "open_repository"]
