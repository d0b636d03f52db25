"""From the translator's Deployment to a local child process: argv, env, files, port.

The translator describes each workload as a Kubernetes Deployment (container command,
args, env with valueFrom, volumes from Secrets). Local mode runs that same description:
- `bosun` (or `python`) at the start of the command is this installation's executable;
- every volume from a Secret or ConfigMap (the agent's `{name}-config` Secret included) is
  written to a directory under the workload's run dir, and its mountPath is replaced by
  that directory in args and env values;
- `--port`/`--host` options (before any `--`) are replaced by the local port and 127.0.0.1;
- env is resolved from the store's Secrets and ConfigMaps (`envfrom.py`);
- init containers (skills-fetch) become init steps the child's supervisor runs first;
- mounts at or under /skills land in the workload's skills directory (skills.py);
- a projected ServiceAccount token (the agent's credential at the model gateway and the
  control plane) becomes a file holding a token the supervisor mints for the workload
  (`mint_token`) and rewrites before it expires (`Planned.token_files`,
  `write_token_file`); config.json's `api_key_file`s are remapped to it.
Who calls it: the supervisor, once per reconcile of each Agent and MCPServer.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bosun.controller.local import skills
from bosun.controller.local.envfrom import DataLookup, expand, resolve_env
from bosun.controller.local.process import InitStep, ProcessSpec


@dataclass
class Planned:
    """A process to run, or the problems that keep it from running."""

    spec: ProcessSpec | None
    problems: list[str] = field(default_factory=list)
    token_files: tuple[Path, ...] = ()  # projected ServiceAccount tokens, to keep fresh


def bosun_command() -> list[str]:
    """How to run this installation's `bosun` (the venv's script, else through Python)."""
    script = Path(sys.executable).parent / "bosun"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("bosun")
    if found:
        return [found]
    return [sys.executable, "-c", "from bosun.cli.main import app; app(prog_name='bosun')"]


def find_deployment(objects: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next((o for o in objects if o.get("kind") == "Deployment"), None)


def main_container(deployment: Mapping[str, Any]) -> Mapping[str, Any]:
    containers = deployment["spec"]["template"]["spec"].get("containers") or [{}]
    return dict(containers[0])


def plan_process(
    deployment: Mapping[str, Any],
    *,
    objects: Sequence[Mapping[str, Any]],
    namespace: str,
    run_dir: Path,
    log_path: Path,
    port: int,
    lookup: DataLookup,
    base_env: Mapping[str, str] | None = None,
    rewrite_options: bool = True,
    write_files: bool = True,
    mint_token: Callable[[], str] | None = None,
) -> Planned:
    """The child process that runs the Deployment's first container on 127.0.0.1:port.

    `mint_token` gives a fresh token of this workload for its projected ServiceAccount
    token volumes (without it they are left out, as before there was any)."""
    pod = deployment["spec"]["template"]["spec"]
    container = main_container(deployment)
    problems: list[str] = []
    token_files: list[Path] = []
    mounts = _write_volumes(
        pod,
        container,
        objects,
        namespace,
        run_dir,
        lookup,
        problems,
        write=write_files,
        mint_token=mint_token,
        token_files=token_files,
    )
    env, env_problems = resolve_env(
        container, namespace=namespace, pod_name=deployment["metadata"]["name"], lookup=lookup
    )
    problems.extend(env_problems)
    env = {k: _remap(v, mounts) for k, v in env.items()}
    raw = [*(container.get("command") or []), *(container.get("args") or [])]
    if not raw:
        problems.append("the container has no command: an image's entrypoint cannot run locally")
        return Planned(None, problems)
    argv = [_remap(expand(str(a), env), mounts) for a in raw]
    is_bosun = Path(argv[0]).name == "bosun"
    argv = _local_executable(argv)
    if rewrite_options:
        argv = _rewrite_options(argv, port, add_missing=is_bosun)
    full_env = {**(os.environ if base_env is None else base_env), **env}
    full_env["PORT"] = str(port)
    # `bosun` inside a command (`mcp-bridge -- bosun tools serve`) is this installation's
    bin_dir = str(Path(bosun_command()[0]).parent)
    path = full_env.get("PATH", os.defpath)
    if bin_dir not in path.split(os.pathsep):
        full_env["PATH"] = os.pathsep.join([bin_dir, path])
    host_env = {**(os.environ if base_env is None else base_env), "PATH": full_env["PATH"]}
    init = _init_steps(pod, deployment, namespace, lookup, mounts, host_env, problems)
    if problems:
        return Planned(None, problems)
    working_dir = container.get("workingDir")
    cwd = Path(_remap(str(working_dir), mounts)) if working_dir else run_dir
    if not cwd.is_dir():
        cwd = run_dir
    spec = ProcessSpec(tuple(argv), full_env, cwd, log_path, init=init)
    return Planned(spec, token_files=tuple(token_files))


def _init_steps(
    pod: Mapping[str, Any],
    deployment: Mapping[str, Any],
    namespace: str,
    lookup: DataLookup,
    mounts: Mapping[str, str],
    base: Mapping[str, str],
    problems: list[str],
) -> tuple[InitStep, ...]:
    """The pod's init containers (skills-fetch) as commands run before the child.

    They see the main container's volumes at the same places (translate mounts the same
    volumes at the same paths in both), and, as in a pod, their own env, not the main
    container's (on top of this machine's, as every local child).
    """
    steps: list[InitStep] = []
    for init in pod.get("initContainers") or []:
        env, env_problems = resolve_env(
            init, namespace=namespace, pod_name=deployment["metadata"]["name"], lookup=lookup
        )
        problems.extend(env_problems)
        env = {k: _remap(v, mounts) for k, v in env.items()}
        raw = [*(init.get("command") or []), *(init.get("args") or [])]
        if not raw:
            problems.append(f"init container {init.get('name')} has no command")
            continue
        argv = _local_executable([_remap(expand(str(a), env), mounts) for a in raw])
        steps.append(InitStep(str(init.get("name") or "init"), tuple(argv), {**base, **env}))
    return tuple(steps)


def _local_executable(argv: list[str]) -> list[str]:
    head = Path(argv[0]).name
    if head == "bosun":
        return [*bosun_command(), *argv[1:]]
    if head in ("python", "python3"):
        return [sys.executable, *argv[1:]]
    return argv


def _rewrite_options(argv: list[str], port: int, *, add_missing: bool) -> list[str]:
    """--port/--host of the command itself (not of a wrapped command after `--`).

    `bosun` commands get them added when absent: in a pod they listen on their default
    port on every address, locally on their own port on 127.0.0.1 only.
    """
    out: list[str] = []
    values = {"--port": str(port), "--host": "127.0.0.1"}
    seen: set[str] = set()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        name, eq, _ = arg.partition("=")
        if name in values and eq:
            out.append(f"{name}={values[name]}")
            seen.add(name)
        elif arg in values and i + 1 < len(argv):
            out.extend([arg, values[arg]])
            seen.add(arg)
            i += 1
        else:
            out.append(arg)
        i += 1
    if add_missing:
        for name, value in values.items():
            if name not in seen:
                out.extend([name, value])
    return out + argv[i:]


def _write_volumes(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    objects: Sequence[Mapping[str, Any]],
    namespace: str,
    run_dir: Path,
    lookup: DataLookup,
    problems: list[str],
    *,
    write: bool,
    mint_token: Callable[[], str] | None,
    token_files: list[Path],
) -> dict[str, str]:
    """Write each mounted volume's files (if `write`); mountPath -> local directory.

    Mounts at or under /skills share the workload's skills directory (skills.py), which
    survives restarts; config.json's skills paths and api_key_files are rewritten to the
    local places. The token files of projected volumes are added to `token_files`.
    """
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts: dict[str, str] = {}
    planned: list[tuple[Path, dict[str, str], bool]] = []  # (target, files, wipe first)
    skill_mounts: set[str] = set()
    config_text: str | None = None
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name")) or {}
        mount_path = str(mount.get("mountPath")).rstrip("/")
        tokens = _token_paths(volume) if mint_token is not None else []
        if tokens:
            assert mint_token is not None
            files: dict[str, str] | None = {path: mint_token() for path in tokens}
        else:
            files = _volume_files(volume, objects, namespace, lookup, problems)
        if files is None:
            continue
        kept = skills.under_skills(mount_path)
        if kept:
            target = skills.local_target(mount_path, run_dir)
            if target != skills.local_root(run_dir):
                skill_mounts.add(target.relative_to(skills.local_root(run_dir)).parts[0])
        else:
            target = run_dir / "volumes" / str(mount.get("name"))
        sub_path = mount.get("subPath")
        mounts[mount_path] = str(target / sub_path) if sub_path else str(target)
        token_files.extend(target / path for path in tokens)
        # the skills directory itself (an emptyDir in a pod) keeps what was fetched
        planned.append((target, files, not (kept and target == skills.local_root(run_dir))))
        config_text = files.get(skills.CONFIG_FILE, config_text)
    skills_config = skills.config_skills(config_text) if config_text else None
    if skills_config is not None or skill_mounts:
        mounts.setdefault(skills.SKILLS_DIR, str(skills.local_root(run_dir)))
    # longest mountPath first, so /config/ca wins over /config
    mounts = dict(sorted(mounts.items(), key=lambda kv: -len(kv[0])))
    if not write:
        return mounts
    for target, files, wipe in planned:
        if wipe and target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(0o700)
        for name, content in files.items():
            path = target / name
            if path in token_files:
                write_token_file(path, content)
                continue
            if name == skills.CONFIG_FILE:
                content = _rewrite_config(content, lambda p: _remap(p, mounts))
            path.write_text(content)
            path.chmod(0o600)
    if skills_config is not None or skill_mounts:
        skills.local_root(run_dir).mkdir(parents=True, exist_ok=True)
        skills.prune(skills.local_root(run_dir), skills_config, skill_mounts)
    return mounts


def _volume_files(
    volume: Mapping[str, Any],
    objects: Sequence[Mapping[str, Any]],
    namespace: str,
    lookup: DataLookup,
    problems: list[str],
) -> dict[str, str] | None:
    if "emptyDir" in volume:
        return {}
    for source_key, kind, name_key in (
        ("secret", "Secret", "secretName"),
        ("configMap", "ConfigMap", "name"),
    ):
        source = volume.get(source_key)
        if source is None:
            continue
        name = str(source.get(name_key))
        data: Mapping[str, str] | None = _generated_data(objects, kind, name)
        if data is None:
            data = lookup(kind, namespace, name)
        if data is None:
            if not source.get("optional"):
                problems.append(f"volume {volume.get('name')}: {kind} {namespace}/{name} not found")
            return None
        items = source.get("items")
        if items:
            return {str(i["path"]): data[i["key"]] for i in items if i.get("key") in data}
        return dict(data)
    return None  # hostPath, PVCs, other projected sources ...: nothing to provide locally


def _token_paths(volume: Mapping[str, Any]) -> list[str]:
    """The file names of a projected volume's ServiceAccount token sources."""
    sources = (volume.get("projected") or {}).get("sources") or []
    found = [s["serviceAccountToken"] for s in sources if s.get("serviceAccountToken")]
    return [str(t.get("path") or "token") for t in found]


def write_token_file(path: Path, token: str) -> None:
    """Replace the token file at once (temp file + rename, owner-only): a reader sees the
    old token or the new one, never a partial file (the runtime re-reads it on change)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".token-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:  # mkstemp creates it 0600
            f.write(token)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _rewrite_config(text: str, remap: Callable[[str], str]) -> str:
    """config.json with skills paths (skills.py) and every model's api_key_file (the
    gateway token file) moved to their local places."""
    text = skills.rewrite_config(text, remap)
    try:
        data = json.loads(text)
    except ValueError:
        return text
    changed = False

    def walk(node: Any) -> None:
        nonlocal changed
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "api_key_file" and isinstance(value, str) and remap(value) != value:
                    node[key], changed = remap(value), True
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return json.dumps(data, indent=2) if changed else text


def _generated_data(
    objects: Sequence[Mapping[str, Any]], kind: str, name: str
) -> dict[str, str] | None:
    """Data of a Secret/ConfigMap the translator generated along with the Deployment."""
    for obj in objects:
        if obj.get("kind") != kind or (obj.get("metadata") or {}).get("name") != name:
            continue
        out: dict[str, str] = {}
        for key, value in (obj.get("data") or {}).items():
            if kind == "Secret":
                try:
                    out[key] = base64.b64decode(str(value)).decode()
                except (binascii.Error, UnicodeDecodeError):
                    continue
            else:
                out[key] = str(value)
        out.update({k: str(v) for k, v in (obj.get("stringData") or {}).items()})
        return out
    return None


def _remap(value: str, mounts: Mapping[str, str]) -> str:
    """A path under a mountPath, alone or as `--opt=PATH`, moved to the local directory."""
    prefix, eq, rest = value.partition("=")
    if eq and rest.startswith("/"):
        return f"{prefix}={_remap(rest, mounts)}"
    for mount_path, local in mounts.items():
        if value == mount_path or value.startswith(mount_path + "/"):
            return local + value[len(mount_path) :]
    return value
