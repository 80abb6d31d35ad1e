import json
import logging

from sitrep_shared.logging import JsonFormatter


def test_json_log_line_has_service_and_message_location() -> None:
    record = logging.makeLogRecord({"msg": "dead-lettered %s", "args": ("x",), "levelname": "WARNING",
                                    "name": "sitrep.kafka", "topic": "t", "partition": 2, "offset": 41})
    line = json.loads(JsonFormatter("sitrep-extract").format(record))
    assert line["service"] == "sitrep-extract"
    assert line["message"] == "dead-lettered x"
    assert (line["topic"], line["partition"], line["offset"]) == ("t", 2, 41)
    assert line["level"] == "warning"
