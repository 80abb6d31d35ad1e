"""Every metric the dashboard, the alerts and the docs name is one the running services export."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, ROOT, Stack
from prometheus_client.parser import text_string_to_metric_families

METRIC = re.compile(r"\bsitrep_[a-z0-9_]+\b")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("_sum", "_count", "_created"),
    "info": ("_info",),
    "gauge": (),
}
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "sitrep.json"


def exported_names(text: str) -> set[str]:
    """Every series name `text` can produce: samples present now, and those of families without samples yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        if family.type == "gauge":
            names.add(family.name)
    return names


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def alert_exprs() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def rule_test_series() -> list[str]:
    tests = yaml.safe_load((DEPLOY / "prometheus" / "alerts_test.yml").read_text())
    return [s["series"] for t in tests["tests"] for s in t.get("input_series", [])]


@pytest.fixture(scope="module")
def exported(stack: Stack) -> dict[str, set[str]]:
    return {name: exported_names(service.metrics()) for name, service in stack.services.items()}


def test_exported_names_expand_families() -> None:
    text = ('# HELP a_total x\n# TYPE a_total counter\na_total{o="x"} 1.0\n'
            '# HELP h x\n# TYPE h histogram\n# HELP m x\n# TYPE m info\nm_info{v="1"} 1.0\n')
    assert exported_names(text) >= {"a_total", "h_bucket", "h_count", "h_sum", "m_info"}
    assert "h" not in exported_names(text)


@pytest.mark.parametrize(("what", "exprs"), [("dashboard", dashboard_exprs), ("alert rules", alert_exprs),
                                              ("alert rule tests", rule_test_series)])
def test_metric_names_used_are_exported(what: str, exprs: Any, exported: dict[str, set[str]]) -> None:
    everything = set().union(*exported.values())
    used = {name for expr in exprs() for name in METRIC.findall(expr)}
    assert len(used) >= 5, f"no metric names found in the {what}"
    unknown = sorted(used - everything)
    assert not unknown, f"the {what} use metrics no service exports: {unknown}"
    for name in used:  # and each from the service its prefix names
        service = name.split("_")[1]
        assert name in exported[service], f"{name} is not exported by {service}"


def test_dashboard_shows_what_operators_need() -> None:
    used = {name for expr in dashboard_exprs() for name in METRIC.findall(expr)}
    for name in ("sitrep_ingest_articles_total", "sitrep_extract_articles_total",
                 "sitrep_extract_batch_duration_seconds_bucket", "sitrep_extract_events_total",
                 "sitrep_extract_consumer_lag", "sitrep_store_consumer_lag_messages",
                 "sitrep_extract_dead_letters_total", "sitrep_store_dlq_messages_total",
                 "sitrep_store_apply_duration_seconds_bucket", "sitrep_store_query_duration_seconds_bucket",
                 "sitrep_extract_model_info"):
        assert name in used, name


def test_dashboard_uses_the_provisioned_datasource() -> None:
    datasources = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasources["datasources"][0]["uid"]
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert all(t["datasource"]["uid"] == uid for t in panel["targets"]), panel["title"]
    providers = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/sitrep.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_operations_doc_lists_every_exported_metric(exported: dict[str, set[str]], stack: Stack) -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    families = {f.name + ("_total" if f.type == "counter" else "_info" if f.type == "info" else "")
                for service in stack.services.values()
                for f in text_string_to_metric_families(service.metrics())
                if f.name.startswith("sitrep_") and not f.name.endswith("_created")}
    missing = sorted(name for name in families if f"`{name}`" not in doc)
    assert not missing, f"docs/operations.md, metrics table: add {missing}"
