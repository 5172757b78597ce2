"""docker-compose.yml names only things that exist in the repository (no Docker engine
here, so the file is checked statically)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import REPO

COMPOSE = REPO / "docker-compose.yml"
SERVICES = {"postgres", "dagster-webserver", "dagster-daemon", "superset-init", "superset"}


def load() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def repo_path(path: str, base: Path = REPO) -> Path:
    return (base / path).resolve()


def test_services_are_the_deployment():
    assert SERVICES <= set(load()["services"])


def test_build_contexts_and_dockerfiles_exist():
    for name, svc in load()["services"].items():
        build = svc.get("build")
        if build is None:
            assert "image" in svc, name
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = repo_path(build["context"])
        assert context.is_dir(), f"{name}: build context {context} missing"
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
        # Every COPY source in the Dockerfile exists in the context.
        for line in dockerfile.read_text().splitlines():
            m = re.match(r"\s*COPY\s+(?!--from)(.+)", line)
            if m:
                *sources, _dest = m.group(1).split()
                for src in sources:
                    assert (context / src).exists(), f"{dockerfile.name}: COPY {src} missing"


def test_bind_mounts_exist():
    for name, svc in load()["services"].items():
        for vol in svc.get("volumes", []):
            source = vol["source"] if isinstance(vol, dict) else vol.split(":")[0]
            if source.startswith((".", "/")):
                assert repo_path(source).exists(), f"{name}: mounted path {source} missing"


def test_commands_name_existing_scripts_and_modules():
    for name, svc in load()["services"].items():
        command = svc.get("command") or []
        if isinstance(command, str):
            command = command.split()
        for arg in command:
            if arg.endswith((".py", ".sh")):
                assert repo_path(arg).is_file(), f"{name}: command script {arg} missing"
        if "-m" in command:
            module = command[command.index("-m") + 1]
            parts = module.split(".")
            as_file = REPO.joinpath(*parts).with_suffix(".py")
            as_pkg = REPO.joinpath(*parts) / "__init__.py"
            assert as_file.is_file() or as_pkg.is_file(), f"{name}: module {module} missing"


def test_every_variable_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    example = (REPO / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    assert used <= documented, f"not in .env.example: {sorted(used - documented)}"


def test_the_pipeline_and_superset_share_one_serving_file():
    """Every service of the deployment resolves the same serving file through
    ingest.config.Settings (the one home of its path), on the shared data volume."""
    from ingest.config import Settings

    services = load()["services"]
    serving = {}
    for name in ("dagster-webserver", "dagster-daemon", "superset-init", "superset"):
        env = {k: str(v) for k, v in services[name]["environment"].items()}
        path = Settings.from_env(env).serving_path
        assert path.is_absolute(), name
        mounts = [v.split(":")[1] for v in services[name]["volumes"] if v.startswith("csp-data:")]
        assert any(path.is_relative_to(m) for m in mounts), (name, path, mounts)
        serving[name] = path
    assert len(set(serving.values())) == 1, serving
