"""docker-compose.yml: validates with the Compose v2 CLI, references real files, sets only real settings."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import COMPOSE_FILE, ENV_EXAMPLE, ROOT, SERVICES, dotenv_names, run_compose
from settings_fields import as_env_text, settings_class, value_at, variable_names

INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def sitrep_services(config: dict[str, Any]) -> dict[str, str]:
    """compose service name -> Sitrep service, found by the Dockerfile it builds."""
    found = {}
    for name, spec in config["services"].items():
        dockerfile = (spec.get("build") or {}).get("dockerfile", "")
        match = re.fullmatch(r"deploy/(\w+)/Dockerfile", dockerfile)
        if match:
            found[name] = match.group(1)
    return found


def test_compose_config_validates_with_compose_cli(compose_bin: str) -> None:
    for env_file in (ENV_EXAMPLE, None):  # with .env.example and with nothing: the defaults in the file
        result = run_compose(compose_bin, "config", "-q", env_file=env_file)
        assert result.returncode == 0, result.stderr
        assert "is not set" not in result.stderr, result.stderr  # a variable without a default


def test_compose_cli_rejects_a_broken_file(compose_bin: str, tmp_path: Path) -> None:
    # The validation above can fail: an unknown key and a dangling dependency are errors.
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  a:\n    image: x\n    depends_on: [missing]\n    colour: red\n")
    result = run_compose(compose_bin, "config", "-q", env_file=None, files=(broken,))
    assert result.returncode != 0


def test_compose_builds_each_service_from_its_dockerfile(compose_config: dict[str, Any]) -> None:
    assert sorted(sitrep_services(compose_config).values()) == sorted(SERVICES)
    for name, spec in compose_config["services"].items():
        if name in sitrep_services(compose_config):
            assert Path(spec["build"]["context"]).resolve() == ROOT, name


def test_compose_referenced_files_exist(compose_config: dict[str, Any]) -> None:
    referenced: list[Path] = []
    for spec in compose_config["services"].values():
        build = spec.get("build")
        if build:
            context = Path(build["context"])
            referenced += [context, context / build.get("dockerfile", "Dockerfile")]
        for volume in spec.get("volumes", []):
            if volume["type"] == "bind":
                referenced.append(Path(volume["source"]))
        for env_file in spec.get("env_file", []):
            if env_file.get("required", True):
                referenced.append(Path(env_file["path"]))
    for section in ("configs", "secrets"):
        for spec in (compose_config.get(section) or {}).values():
            if "file" in spec:
                referenced.append(Path(spec["file"]))
    assert len(referenced) >= 9  # 3 contexts, 3 Dockerfiles, the topic script, Prometheus, Grafana
    missing = [str(p) for p in referenced if not p.exists()]
    assert not missing, f"docker-compose.yml references files that do not exist: {missing}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_compose_sitrep_variables_are_settings_fields(
    service: str, compose_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, module, cls_name, _ = SERVICES[service]
    cls = settings_class(module, cls_name)
    known = variable_names(cls)
    compose_name = next(n for n, s in sitrep_services(compose_config).items() if s == service)
    environment = {k: str(v) for k, v in compose_config["services"][compose_name]["environment"].items()}
    sitrep_vars = {k: v for k, v in environment.items() if k.startswith("SITREP_")}
    assert sitrep_vars, f"{compose_name} sets no SITREP_ variables"
    unknown = sorted(set(sitrep_vars) - known)
    assert not unknown, f"{compose_name} sets variables {cls_name} does not read: {unknown}"

    # Build the settings exactly from the container's environment and check each value arrived.
    for key in list(os.environ):
        if key.startswith("SITREP_"):
            monkeypatch.delenv(key)
    for key, value in sitrep_vars.items():
        monkeypatch.setenv(key, value)
    settings = cls()
    for key, value in sitrep_vars.items():
        expected = value.lower() if value.lower() in ("true", "false") else value
        assert as_env_text(value_at(settings, key)) == expected, key
    assert settings.kafka.bootstrap_servers == "kafka:9092"  # type: ignore[attr-defined]
    assert settings.kafka.create_topics is False  # type: ignore[attr-defined]  (the topic job does it)


def test_compose_other_containers_set_no_sitrep_variables(compose_config: dict[str, Any]) -> None:
    # A SITREP_ variable on Kafka or PostgreSQL would be a setting meant for a service, set in the wrong place.
    ours = sitrep_services(compose_config)
    for name, spec in compose_config["services"].items():
        if name not in ours:
            stray = [k for k in (spec.get("environment") or {}) if k.startswith("SITREP_")]
            assert not stray, f"{name}: {stray}"


def test_compose_store_uses_postgres(compose_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    store = compose_config["services"]["store"]
    env = store["environment"]
    assert env["SITREP_DATABASE__URL"].startswith("postgresql+psycopg://")
    assert ":" not in env["SITREP_DATABASE__URL"].split("//", 1)[1].split("@", 1)[0], "password in the URL"
    assert env["SITREP_DATABASE__PASSWORD"] == compose_config["services"]["postgres"]["environment"][
        "POSTGRES_PASSWORD"]
    assert store["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in compose_config["services"]["postgres"]
    assert any(v["type"] == "volume" and v["target"] == "/var/lib/postgresql/data"
               for v in compose_config["services"]["postgres"]["volumes"])


def test_compose_kafka_is_kraft_single_node_with_health_and_volume(compose_config: dict[str, Any]) -> None:
    kafka = compose_config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in str(env).lower()
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "healthcheck" in kafka
    data = [v for v in kafka["volumes"] if v["type"] == "volume"]
    assert [v["target"] for v in data] == [env["KAFKA_LOG_DIRS"]]


def test_compose_services_wait_for_healthy_dependencies(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    topics = services["kafka-topics"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert topics["restart"] == "no"
    for name in sitrep_services(compose_config):
        depends = services[name]["depends_on"]
        assert depends["kafka"]["condition"] == "service_healthy", name
        assert depends["kafka-topics"]["condition"] == "service_completed_successfully", name
        assert services[name].get("init") is True, f"{name}: tini forwards SIGTERM"


def test_compose_topic_job_uses_the_partition_setting(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    job = services["kafka-topics"]["environment"]
    for name in sitrep_services(compose_config):
        assert services[name]["environment"]["SITREP_KAFKA__PARTITIONS"] == job["PARTITIONS"], name
    script = next(Path(v["source"]) for v in services["kafka-topics"]["volumes"] if v["type"] == "bind")
    text = script.read_text()
    for variable in ("PARTITIONS", "RETENTION_MS", "DLQ_RETENTION_MS", "BOOTSTRAP_SERVERS"):
        assert variable in job and f"${{{variable}" in text, variable
    assert "--if-not-exists" in text and text.count("create ") >= 4


def test_compose_extract_scales_horizontally(compose_config: dict[str, Any]) -> None:
    for name, spec in compose_config["services"].items():
        assert "container_name" not in spec, f"{name}: a fixed container name breaks --scale"
    extract = compose_config["services"]["extract"]
    assert not extract.get("ports"), "a host port on extract makes `--scale extract=3` collide"
    assert extract["environment"]["SITREP_GROUP_ID"] == "sitrep-extract"  # replicas share one group


def test_compose_prometheus_scrapes_the_ports_the_services_listen_on(compose_config: dict[str, Any]) -> None:
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    for name, service in sitrep_services(compose_config).items():
        env = compose_config["services"][name]["environment"]
        port = env[SERVICES[service][3]]
        sd = jobs[f"sitrep-{service}"]["dns_sd_configs"][0]
        assert sd["names"] == [name] and str(sd["port"]) == port, service
        assert env[SERVICES[service][3].replace("PORT", "HOST")] == "0.0.0.0", service


def test_env_example_lists_every_compose_variable_with_its_default() -> None:
    text = COMPOSE_FILE.read_text()
    used: dict[str, set[str]] = {}
    for name, default in INTERPOLATION.findall(text):
        used.setdefault(name, set()).add(default)
    listed = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                  if line.strip() and not line.startswith("#"))
    assert set(dotenv_names(ENV_EXAMPLE)) == set(used), "compare .env.example with docker-compose.yml"
    for name, defaults in used.items():
        assert len(defaults) == 1, f"{name} has different defaults in docker-compose.yml: {defaults}"
        assert listed[name] == defaults.pop(), f".env.example: {name}"
