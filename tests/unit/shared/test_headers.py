import datetime as dt

from sitrep_shared import kafka
from sitrep_shared.kafka import build_headers, header_dict


def test_headers_carry_content_type_schema_and_cloudevents_attributes() -> None:
    when = dt.datetime(2024, 5, 14, 9, 30, tzinfo=dt.UTC)
    headers = header_dict(build_headers(schema="sitrep.article/1", ce_type="sitrep.article.ingested",
                                        ce_id="a_1", ce_source="sitrep-ingest", ce_time=when))
    assert headers == {
        "content-type": "application/json",
        "schema": "sitrep.article/1",
        "ce_specversion": "1.0",
        "ce_id": "a_1",
        "ce_type": "sitrep.article.ingested",
        "ce_source": "sitrep-ingest",
        "ce_time": "2024-05-14T09:30:00Z",
    }


def test_headers_time_is_utc_even_from_another_zone() -> None:
    tz = dt.timezone(dt.timedelta(hours=3))
    headers = header_dict(build_headers(schema="s", ce_type="t", ce_id="i", ce_source="s",
                                        ce_time=dt.datetime(2024, 5, 14, 12, 0, tzinfo=tz)))
    assert headers["ce_time"] == "2024-05-14T09:00:00Z"


def test_send_many_replaces_ce_id_at_its_position() -> None:
    headers = build_headers(schema="s", ce_type="t", ce_id="i", ce_source="s")
    assert headers[kafka._CE_ID_AT] == ("ce_id", b"i")
