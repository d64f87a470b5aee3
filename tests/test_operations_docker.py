"""docker/: the compose file against the Compose Specification's JSON Schema (no Docker engine here),
and the Dockerfile against what the code needs at run time. The image itself is built and run by
tests/containers/ (`make test-containers`), which takes minutes."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.fixtures import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_SCHEMA = FIXTURES.parent / "schemas" / "compose-spec.json"  # ../shared/schemas beside the checkout
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<rest>[^}]*)\}")
TEST_VALUES = {"POSTGRES_PASSWORD": "pw", "MINIO_ROOT_USER": "minio", "MINIO_ROOT_PASSWORD": "minio-secret"}


def substituted(text: str, values: dict[str, str]) -> str:
    """${VAR}, ${VAR:?msg}, ${VAR:-default} as Compose interpolates them (a required one must be given)."""

    def one(match: re.Match[str]) -> str:
        name, rest = match["name"], match["rest"]
        if name in values:
            return values[name]
        if rest.startswith((":-", "-")):
            return rest.split("-", 1)[1]
        raise KeyError(f"{name} is required by the compose file ({rest})")

    return INTERPOLATION.sub(one, text)


def compose(name: str = "compose.yaml") -> dict[str, Any]:
    return yaml.safe_load(substituted((ROOT / "docker" / name).read_text(), TEST_VALUES))


# Sequences that Compose appends to (with duplicates dropped) when a file overrides another; every
# other sequence (command, entrypoint, …) and every scalar is replaced, mappings are merged.
APPENDED = {"ports", "volumes", "expose", "dns", "env_file", "extra_hosts", "secrets", "configs"}


def merged(base: Any, override: Any, key: str = "") -> Any:
    """`-f base -f override` as the Compose Specification merges them."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merged(base[k], v, k) if k in base else v
        return out
    if isinstance(base, list) and isinstance(override, list) and key in APPENDED:
        return base + [item for item in override if item not in base]
    return override


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.validate(
        compose(), schema, cls=jsonschema.Draft7Validator
    )  # raises with the path of the first violation


def test_the_test_override_and_the_merged_stack_are_valid_too() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    override = compose("compose.test.yaml")
    stack = merged(compose(), override)
    for document in (override, stack):
        jsonschema.validate(document, schema, cls=jsonschema.Draft7Validator)
    assert set(override["services"]) <= set(compose()["services"])  # stands in, adds nothing


def test_the_test_override_replaces_every_image_that_is_pulled_and_keeps_the_wiring() -> None:
    production, stack = compose(), merged(compose(), compose("compose.test.yaml"))
    # production pulls the vendors' images; the test stack runs only images built here
    assert {s["image"] for s in production["services"].values() if "image" in s} == {
        "postgres:16", "prefecthq/prefect:3-python3.11", "minio/minio",
    }  # fmt: skip
    assert all(s["image"].startswith("localhost/") for s in stack["services"].values())
    for name in ("postgres", "minio"):  # built from the worker's Debian base, by docker/image.sh
        dockerfile = (ROOT / stack["services"][name]["build"]["dockerfile"]).read_text()
        assert re.search(r"^FROM debian:bookworm-slim$", dockerfile, re.M), name
    # the same environment, volumes, init scripts and ports as production; the S3 keys are MinIO's
    for name, service in production["services"].items():
        test = stack["services"][name]
        assert test["environment"].items() >= service["environment"].items(), name
        assert test.get("volumes") == service.get("volumes") and test.get("ports") == service.get("ports")
    s3 = stack["services"]["minio"]["environment"]
    worker = stack["services"]["worker"]["environment"]
    assert (s3["AWS_ACCESS_KEY_ID"], s3["AWS_SECRET_ACCESS_KEY"]) == (
        worker["GUANGYING_S3_ACCESS_KEY"], worker["GUANGYING_S3_SECRET_KEY"],
    )  # fmt: skip
    # podman-compose 1.0.3 appends an override's lists and refuses other types: only what it merges
    # as Compose does is overridden (scalars of the same type, mappings, the appended sequences)
    for name, service in compose("compose.test.yaml")["services"].items():
        for key, value in service.items():
            if key in production["services"][name]:
                assert type(value) is type(production["services"][name][key]), (name, key)
                assert not isinstance(value, list) or key in APPENDED, (name, key)
    assert (
        "-s3.port=9000" in stack["services"]["minio"]["command"]
        and worker["GUANGYING_S3_ENDPOINT"] == "minio:9000"
    )
    # the Prefect server is the worker image's own `prefect server start` (the lock's Prefect)
    assert stack["services"]["prefect"]["image"] == stack["services"]["worker"]["image"]
    assert stack["services"]["prefect"]["command"].startswith("prefect server start")
    assert stack["services"]["worker"]["environment"]["GUANGYING_ENGINES"] == "stand-in"
    assert stack["services"]["worker"]["deploy"]["replicas"] >= 2


def test_compose_schema_check_can_fail() -> None:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    broken = compose()
    broken["services"]["worker"]["depends_on"] = "prefect"  # a string is not allowed there
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_compose_wires_workers_to_the_server_the_catalogue_and_the_store() -> None:
    services = compose()["services"]
    worker = services["worker"]
    env = worker["environment"]
    assert env["PREFECT_API_URL"] == "http://prefect:4200/api"
    assert env["GUANGYING_TASK_RUNNER"] == "thread"  # ${VAR:-default} when unset
    assert env["GUANGYING_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["GUANGYING_S3_ENDPOINT"].split(":")[0] in services
    assert worker["entrypoint"][:4] == ["prefect", "worker", "start", "--pool"]
    assert (
        "postgresql+asyncpg://" in services["prefect"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    )
    initdb = (ROOT / "docker" / "initdb").glob("*.sql")
    assert any("CREATE DATABASE prefect" in p.read_text() for p in initdb)


def _dockerfile() -> str:
    return (ROOT / "docker" / "Dockerfile").read_text()


def _installed_apt_packages(dockerfile: str) -> set[str]:
    joined = dockerfile.replace("\\\n", " ")
    packages: set[str] = set()
    for line in joined.splitlines():
        if "apt-get install" in line:
            words = line.split("apt-get install", 1)[1].split("&&")[0].split()
            packages |= {w for w in words if not w.startswith("-")}
    return packages


def test_dockerfile_installs_what_the_code_calls() -> None:
    packages = _installed_apt_packages(_dockerfile())
    # ffmpeg (probe/decode/transcode), CJK fonts (drawtext, posters), 7z (.7z/.rar), soffice (.doc)
    assert {"ffmpeg", "fonts-noto-cjk", "p7zip-full", "libreoffice-writer-nogui"} <= packages
    makefile = (ROOT / "Makefile").read_text()
    needed = set(re.search(r"^APT_PACKAGES := (.*)$", makefile, re.M)[1].split())  # type: ignore[index]
    # the IMAP tests' server, the page tests' browser, the print test's spreadsheet-to-PDF converter
    # and the certificate test's text extraction: nothing in tasks/ or flows/ calls them
    test_only = {"dovecot-imapd", "chromium", "libreoffice-calc-nogui", "poppler-utils"}
    assert needed - test_only <= packages, needed - test_only - packages


def test_dockerfile_assembles_the_models_at_build_time_and_copies_every_package() -> None:
    dockerfile = _dockerfile()
    runs = " ".join(line for line in dockerfile.replace("\\\n", " ").splitlines() if line.startswith("RUN"))
    assert "whisper_model_dir" in runs and "get_ocr_engine" in runs
    assert re.search(r"^ENV .*HF_HUB_OFFLINE=1", dockerfile.replace("\\\n", " "), re.M)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY {package} \./{package}$", dockerfile, re.M), package
    # Every name the RUN lines' `python -c` import exists (a rename would break only the image build).
    imported = [
        (module, name.strip())
        for snippet in re.findall(r'python -c "([^"]*)"', runs)
        for module, names in re.findall(r"from ([\w.]+) import ([\w, ]+)", snippet)
        for name in names.split(",")
    ]
    assert {name for _, name in imported} >= {"whisper_model_dir", "get_ocr_engine"}
    for module, name in imported:
        assert callable(getattr(importlib.import_module(module), name, None)), f"{module}.{name}"


def _image_env(dockerfile: str) -> dict[str, str]:
    joined = dockerfile.replace("\\\n", " ")
    pairs = [p for line in joined.splitlines() if line.startswith("ENV ") for p in line[4:].split()]
    return dict(p.split("=", 1) for p in pairs if "=" in p)


def test_the_workers_share_the_drop_folder_the_settings_read() -> None:
    """The nightly run reads `Settings.resolved_drop_dir` inside the container (the image's ENV plus
    the compose environment); that path must be the shared volume, or packages dropped there are
    never seen by a scaled-out worker."""
    from tasks.config import Settings

    worker = compose()["services"]["worker"]
    env = {**_image_env(_dockerfile()), **worker["environment"]}
    settings = Settings(
        data_dir=Path(env["GUANGYING_DATA_DIR"]),
        drop_dir=Path(env["GUANGYING_DROP_DIR"]) if "GUANGYING_DROP_DIR" in env else None,
    )
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in worker["volumes"]}
    drop = str(settings.resolved_drop_dir)
    assert drop in mounts, (drop, mounts)
    assert mounts[drop] in compose()["volumes"]  # a named volume, shared by every worker replica
