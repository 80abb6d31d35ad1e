"""Prometheus: promtool on the config and rules, and a real Prometheus scraping the running services."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy_support import DEPLOY, ROOT, Stack
from support.processes import stop_processes

from sitrep_shared.broker import free_port

PROMETHEUS = DEPLOY / "prometheus"


def promtool_run(promtool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120,
                          check=False)


def test_promtool_check_config(promtool: str) -> None:
    result = promtool_run(promtool, "check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_rules(promtool: str) -> None:
    result = promtool_run(promtool, "check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules(promtool: str) -> None:
    result = promtool_run(promtool, "test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules_can_fail(promtool: str, tmp_path: Path) -> None:
    # The rule tests really evaluate the rules: loosen one threshold and they fail.
    rules = (PROMETHEUS / "alerts.yml").read_text()
    assert "> 0.05" in rules
    (tmp_path / "alerts.yml").write_text(rules.replace("> 0.05", "> 0.5"))
    (tmp_path / "alerts_test.yml").write_text((PROMETHEUS / "alerts_test.yml").read_text())
    result = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode != 0


def test_every_alert_has_tests_and_a_runbook() -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} >= {"SitrepServiceDown", "SitrepConsumerLagGrowing", "SitrepDeadLetters",
                                            "SitrepExtractionLatencyHigh", "SitrepIngestErrorRate"}
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())
    checks = [c for t in tests["tests"] for c in t.get("alert_rule_test", [])]
    operations = (ROOT / "docs" / "operations.md").read_text()
    for alert in alerts:
        name = alert["alert"]
        assert any(c["alertname"] == name and c.get("exp_alerts") for c in checks), f"{name}: no firing case"
        assert alert["labels"]["severity"] in ("warning", "critical")
        anchor = alert["annotations"]["runbook_url"].split("#", 1)[1]
        assert f"### {anchor}" in operations.lower(), f"docs/operations.md has no section for {anchor}"
        if name != "SitrepServiceMissing":
            assert any(c["alertname"] == name and c.get("exp_alerts") == [] for c in checks), f"{name}: no quiet case"


def local_config(stack: Stack, *, prometheus_port: int) -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml with DNS discovery swapped for the local processes' addresses."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = [str(PROMETHEUS / f) for f in config["rule_files"]]
    mapped = set()
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if name == "prometheus":
            job["static_configs"] = [{"targets": [f"127.0.0.1:{prometheus_port}"]}]
            continue
        service = stack.services[name.removeprefix("sitrep-")]
        assert job.pop("dns_sd_configs")[0]["port"] > 0
        job["static_configs"] = [{"targets": [f"127.0.0.1:{service.port}"]}]
        mapped.add(name.removeprefix("sitrep-"))
    assert mapped == set(stack.services), "every service needs a scrape job"
    return config


@pytest.fixture
def prometheus(prometheus_bin: str, promtool: str, stack: Stack, tmp_path: Path) -> Iterator[str]:
    """Debian's Prometheus on a free loopback port, scraping the stack with the deploy config and rules."""
    port = free_port()
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(local_config(stack, prometheus_port=port)))
    check = subprocess.run([promtool, "check", "config", str(config_path)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    log = tmp_path / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [prometheus_bin, f"--config.file={config_path}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail(f"prometheus did not become ready:\n{log.read_text(errors='replace')[-2000:]}")
        yield url
    finally:
        stop_processes([process], timeout=15)


def query(url: str, promql: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/api/v1/query", params={"query": promql}, timeout=5)
    response.raise_for_status()
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def poll(what: str, probe: Any, *, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; last answer: {last}")


def accepted_in(metrics_text: str) -> float:
    for line in metrics_text.splitlines():
        if line.startswith('sitrep_ingest_articles_total{outcome="accepted"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_prometheus_scrapes_the_running_services(prometheus: str, stack: Stack) -> None:
    def all_up() -> list[dict[str, Any]] | None:
        result = query(prometheus, 'up{job=~"sitrep-.*"}')
        jobs = {r["metric"]["job"]: r["value"][1] for r in result}
        return result if jobs == {f"sitrep-{s}": "1" for s in stack.services} else None

    poll("up == 1 for sitrep-ingest, sitrep-extract and sitrep-store", all_up)

    before = accepted_in(stack.services["ingest"].metrics())
    response = stack.post_article()
    assert response.status_code == 202, response.text

    def counted() -> float | None:
        result = query(prometheus, 'sum(sitrep_ingest_articles_total{job="sitrep-ingest", outcome="accepted"})')
        value = float(result[0]["value"][1]) if result else 0.0
        return value if value >= before + 1 else None

    assert poll("sitrep_ingest_articles_total to count the POST", counted) >= 1

    # The alert rules loaded and evaluate without errors against real series.
    rules = httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
    loaded = [r for g in rules for r in g["rules"] if r["type"] == "alerting"]
    assert len(loaded) >= 5
    poll("every rule evaluated once", lambda: all(r.get("lastEvaluation", "").startswith("2") for r in
         [r for g in httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
          for r in g["rules"]]))
    final = httpx.get(f"{prometheus}/api/v1/rules", timeout=5).json()["data"]["groups"]
    assert all(r["health"] == "ok" for g in final for r in g["rules"]), final
