"""`bosun bug-report`: what a maintainer needs to see, packed into one tar.gz.

Collected (each part best effort; what could not be read is listed in errors.txt):
versions (bosun, Python, helm, kubectl/server), the helm release's status and user values,
every Bosun resource (Agent, ModelConfig, ..., spec and status), the control
plane's and Bosun-managed Deployments and Pods (status), events in the namespaces
involved, and the last lines of log of the control plane, tool server, agent and MCP
server containers.

Secrets: Secret objects are never read. Values that look secret (keys or env/header names
containing password, token, secret, key, credential, authorization ...) are replaced by
"<redacted>" in everything written, as are `last-applied-configuration` annotations (which
repeat a spec verbatim). Logs are copied as written by the programs, which never log
secret values. Called by bosun.cli.cluster.bug_report.
"""

from __future__ import annotations

import datetime
import io
import json
import platform
import re
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from lightkube import Client

REDACTED = "<redacted>"
SECRET_NAME = re.compile(
    r"(?i)(pass(word|wd)?|secret|token|api[-_]?key|credential|private|auth|bearer|cookie|"
    r"session|_key$|^key$|-key$)"
)
# Keys that hold the *name* of a Secret or of a key in it, not a value: kept as they are.
REFERENCE_KEYS = re.compile(r"(?i)(secret(ref|key|name)?|secretkey|existingsecret|(key|name)ref)$")
ENV_LIKE = ("name", "value")  # [{name, value}] lists: env vars, headersFrom, ...
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def redact(value: Any, key: str = "") -> Any:
    """A copy of `value` with secret-looking values replaced (see the module docstring)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        name = value.get("name")
        env_like = isinstance(name, str) and "value" in value and SECRET_NAME.search(name)
        for k, v in value.items():
            if k == "annotations" and isinstance(v, dict):
                v = {a: b for a, b in v.items() if a not in DROPPED_ANNOTATIONS}
            if k == "managedFields":
                continue
            # Only non-empty strings: flags and counts are never secret, and keep their meaning.
            if isinstance(v, str) and v and ((env_like and k == "value") or _secret_key(k)):
                out[k] = REDACTED
            else:
                out[k] = redact(v, k)
        return out
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    return value


def _secret_key(key: str) -> bool:
    return bool(SECRET_NAME.search(key)) and not REFERENCE_KEYS.search(key)


class Report:
    """Files for the archive, in memory (a report is small), and the errors met."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.errors: list[str] = []

    def add(self, name: str, content: Any) -> None:
        if isinstance(content, str | bytes):
            data = content.encode() if isinstance(content, str) else content
        else:
            data = yaml.safe_dump(redact(content), sort_keys=False).encode()
        self.files[name] = data

    def attempt(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # a bug report collects what it can
            self.errors.append(f"{what}: {type(exc).__name__}: {_message(exc)}")
            return None


def _message(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    return str(getattr(status, "message", None) or exc)


def _run(args: list[str]) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise RuntimeError((result.stderr or result.stdout).strip() or str(result.returncode))
    return result.stdout


def _versions(report: Report, helm: str | None, context: str | None) -> None:
    import shutil

    from bosun import __version__

    versions: dict[str, Any] = {"bosun": __version__, "python": platform.python_version()}
    if helm:
        versions["helm"] = report.attempt("helm version", _run, [helm, "version", "--short"])
    kubectl = shutil.which("kubectl")
    if kubectl:
        args = [kubectl, "version", "-o", "json", *(["--context", context] if context else [])]
        out = report.attempt("kubectl version", _run, args)
        versions["kubernetes"] = json.loads(out) if out else None
    report.add("versions.yaml", versions)


def _helm(report: Report, helm: str, namespace: str, release: str, context: str | None) -> None:
    common = ["--namespace", namespace, *(["--kube-context", context] if context else [])]
    status = report.attempt("helm status", _run, [helm, "status", release, *common])
    if status:
        report.add("helm/status.txt", status)
    values = report.attempt(
        "helm get values", _run, [helm, "get", "values", release, *common, "-o", "yaml"]
    )
    if values is not None:
        report.add("helm/values.yaml", yaml.safe_load(values) or {})


def _plain(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return data


def _resources(report: Report, client: Client) -> set[str]:
    from lightkube.generic_resource import create_namespaced_resource

    from bosun.api import KINDS

    namespaces: set[str] = set()
    for cls in KINDS.values():  # every kind the CRDs chart installs
        info = cls.info
        kind, plural = info.kind, info.plural
        res = create_namespaced_resource(info.group, info.version, kind, plural)
        items = report.attempt(f"list {kind}", lambda r=res: list(client.list(r, namespace="*")))
        if items is None:
            continue
        docs = [_plain(o) for o in items]
        namespaces |= {d["metadata"].get("namespace", "") for d in docs}
        report.add(f"resources/{plural}.yaml", docs)
    return namespaces - {""}


def _workloads(report: Report, client: Client, namespace: str, release: str) -> list[Any]:
    from lightkube.resources.apps_v1 import Deployment
    from lightkube.resources.core_v1 import Pod

    found: list[Any] = []
    scopes = (
        ({"app.kubernetes.io/instance": release}, namespace),  # control plane, tool server
        ({"app.kubernetes.io/managed-by": "bosun"}, "*"),  # agent and MCP server pods
    )
    for label, where in scopes:
        for res, name in ((Deployment, "deployments"), (Pod, "pods")):
            items = report.attempt(
                f"list {name} {label}",
                lambda r=res, lb=label, ns=where: list(client.list(r, namespace=ns, labels=lb)),
            )
            if items is None:
                continue
            suffix = "controlplane" if where == namespace else "managed"
            report.add(f"workloads/{name}-{suffix}.yaml", [_plain(o) for o in items])
            if res is Pod:
                found += items
    return found


def _events(report: Report, client: Client, namespaces: set[str]) -> None:
    from lightkube.resources.core_v1 import Event

    for ns in sorted(namespaces):
        items = report.attempt(
            f"events in {ns}", lambda n=ns: list(client.list(Event, namespace=n))
        )
        if items is None:
            continue
        rows = []
        for e in items:
            d = _plain(e)
            rows.append(
                {
                    "time": d.get("lastTimestamp") or d.get("eventTime") or d.get("firstTimestamp"),
                    "type": d.get("type"),
                    "reason": d.get("reason"),
                    "object": f"{(d.get('involvedObject') or {}).get('kind')}/"
                    f"{(d.get('involvedObject') or {}).get('name')}",
                    "count": d.get("count"),
                    "message": d.get("message"),
                }
            )
        report.add(f"events/{ns}.yaml", sorted(rows, key=lambda r: str(r["time"])))


def _logs(report: Report, client: Client, pods: list[Any], lines: int) -> None:
    seen: set[tuple[str, str]] = set()
    for pod in pods:
        ns, name = pod.metadata.namespace, pod.metadata.name
        if (ns, name) in seen:
            continue
        seen.add((ns, name))
        for container in pod.spec.containers if pod.spec else []:
            text = report.attempt(
                f"logs {ns}/{name}/{container.name}",
                lambda n=name, s=ns, c=container.name: "".join(
                    client.log(n, namespace=s, container=c, tail_lines=lines)
                ),
            )
            if text is not None:
                report.add(f"logs/{ns}/{name}/{container.name}.log", text)


def collect(
    client: Client,
    namespace: str,
    release: str,
    helm: str | None,
    context: str | None,
    output: Path | None,
    log_lines: int,
) -> Path:
    """Write the archive and return its path."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    top = f"bosun-bug-report-{stamp}"
    path = output or Path.cwd() / f"{top}.tar.gz"
    report = Report()
    _versions(report, helm, context)
    if helm:
        _helm(report, helm, namespace, release, context)
    else:
        report.errors.append("helm not found: no release status or values")
    namespaces = _resources(report, client) | {namespace}
    pods = _workloads(report, client, namespace, release)
    namespaces |= {p.metadata.namespace for p in pods}
    _events(report, client, namespaces)
    _logs(report, client, pods, log_lines)
    report.add("errors.txt", "\n".join(report.errors) + ("\n" if report.errors else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in sorted(report.files.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            info.mtime = int(datetime.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
    return path
