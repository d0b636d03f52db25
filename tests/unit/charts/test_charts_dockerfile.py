"""The Dockerfile, read statically (no container runtime here, nothing is built): the
stages and targets the chart and docs/operator.md name, a non-root numeric user, bytecode
compiled by uv from uv.lock, the web UI built into the wheel, pinned base images (never
`latest`), the mcp-runner's node/npx and uv/uvx, and a build context (.dockerignore)
that lets in every file the Dockerfile copies.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            values |= dict(re.findall(r"(\w+)=(\S+)", args))
        return values


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: comments dropped, continuations joined."""
    logical, current = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        if line.lstrip().startswith("#"):  # a comment inside a continued RUN
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if current.strip():
                logical.append(current.strip())
            current = ""
    return [(s.split(None, 1)[0].upper(), s.split(None, 1)[1]) for s in logical]


def parse() -> tuple[dict[str, str], dict[str, Stage], list[str]]:
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    order: list[str] = []
    stage: Stage | None = None
    for keyword, rest in instructions(DOCKERFILE.read_text()):
        if keyword == "ARG" and stage is None:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            base, _, name = rest.partition(" AS ")
            stage = Stage(name.strip(), base.strip())
            stages[stage.name] = stage
            order.append(stage.name)
        elif stage is not None:
            stage.instructions.append((keyword, rest))
    return args, stages, order


ARGS, STAGES, ORDER = parse()


def base_image(stage: Stage) -> str:
    """The image a stage starts from, build arguments resolved (a stage name stays)."""
    return re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], stage.base)


def test_the_stages_and_the_default_target() -> None:
    assert {"ui", "build", "runtime", "mcp-runner", "bosun"} <= set(STAGES)
    # The last stage is what a plain `docker build .` gives: the bosun image.
    assert ORDER[-1] == "bosun" and STAGES["bosun"].base == "runtime"
    assert STAGES["mcp-runner"].base == "runtime"
    assert base_image(STAGES["runtime"]) == base_image(STAGES["build"])
    python = base_image(STAGES["runtime"])
    assert re.fullmatch(r"python:3\.11-slim-\w+", python), python
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"  # the image's Python is the lowest supported one


@pytest.mark.parametrize("arg", ["PYTHON_IMAGE", "NODE_IMAGE", "UV_IMAGE", "HELM_IMAGE"])
def test_base_images_are_pinned_never_latest(arg: str) -> None:
    image = ARGS[arg]
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"{arg}={image}: no tag"
    assert tag != "latest" and not tag.startswith("latest"), f"{arg}={image}"
    assert re.search(r"\d", tag), f"{arg}={image}: a version tag"
    used = {s.base for s in STAGES.values()}
    assert "${" + arg + "}" in used, f"{arg} is not used by any FROM"


def test_the_venv_is_built_from_the_lock_with_compiled_bytecode() -> None:
    build = STAGES["build"]
    env = build.env()
    assert env["UV_COMPILE_BYTECODE"] == "1"
    assert env["UV_PYTHON_DOWNLOADS"] == "never"  # the base image's Python, nothing fetched
    runs = build.all("RUN")
    assert any("uv sync --frozen --no-dev --no-install-project" in r for r in runs)
    assert any("uv sync --frozen --no-dev --no-editable" in r for r in runs)
    assert any("bosun version" in r for r in runs), "the build checks the installed command"
    runtime = STAGES["runtime"]
    assert any(c.startswith("--from=build /app/.venv") for c in runtime.all("COPY"))
    assert runtime.env()["PYTHONDONTWRITEBYTECODE"] == "1"
    assert runtime.env()["PATH"].startswith("/app/.venv/bin")


def test_the_images_run_as_a_numeric_non_root_user() -> None:
    for name in ("runtime", "mcp-runner"):
        users = STAGES[name].all("USER")
        assert users, f"{name}: no USER"
        uid, _, gid = users[-1].partition(":")
        assert uid.isdigit() and int(uid) > 0, f"{name}: USER {users[-1]} (runAsNonRoot)"
        assert gid.isdigit() and int(gid) > 0
    runtime = STAGES["runtime"]
    assert any("--uid 10001" in r for r in runtime.all("RUN"))
    assert not STAGES["bosun"].all("USER")  # the default target keeps runtime's user
    assert runtime.all("ENTRYPOINT") == ['["bosun"]']


def test_the_web_ui_is_built_and_packed_into_the_wheel() -> None:
    ui = STAGES["ui"]
    assert base_image(ui) == "node"  # the NODE_IMAGE stage
    (run,) = ui.all("RUN")
    assert "npm ci" in run and "npm run build" in run and "test -f /out/ui/index.html" in run
    assert "--from=ui /out/ui ./src/bosun/server/ui_dist" in STAGES["build"].all("COPY")
    wheel = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert "src/bosun/server/ui_dist/**" in wheel["targets"]["wheel"]["artifacts"]
    assert (REPO / "ui" / "package.json").exists(), "the UI stage would build no UI"


def test_the_mcp_runner_has_node_npx_uv_and_uvx() -> None:
    runner = STAGES["mcp-runner"]
    copies = runner.all("COPY")
    assert "--from=node /usr/local/bin/node /usr/local/bin/node" in copies
    assert "--from=uv /uv /uvx /usr/local/bin/" in copies
    (run,) = runner.all("RUN")
    assert "npx-cli.js /usr/local/bin/npx" in run
    assert "node --version" in run and "npx --version" in run and "uvx --version" in run
    assert STAGES["uv"].base == "${UV_IMAGE}" and STAGES["node"].base == "${NODE_IMAGE}"


def test_the_build_context_lets_in_what_the_dockerfile_copies() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert "*" in (REPO / ".dockerignore").read_text().splitlines()  # an allow-list
    sources = []
    for stage in STAGES.values():
        for args in stage.all("COPY"):
            if args.startswith("--from="):
                continue
            *files, _ = args.split()
            sources += files
    assert sources, "the Dockerfile copies nothing from the context"
    for source in sources:
        assert source.rstrip("/") in allowed, f"COPY {source}: excluded by .dockerignore"
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    # The UI stage bind-mounts the context; its sources must be let in too.
    assert "ui" in allowed
