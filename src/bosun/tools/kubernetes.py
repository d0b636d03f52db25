"""Read-only Kubernetes tools: `k8s_get_resources`, `k8s_describe`, `k8s_get_pod_logs`.

Registered by `server.build_server` only when a configuration is found (in-cluster
service account, $KUBECONFIG, or ~/.kube/config); otherwise `load_config` returns the
reason, which the CLI prints and `server_info` reports. Uses lightkube's async client,
one short-lived client per call (the server may be called from many event loops in
tests, and a call is rare compared to the cost of a connection). Secrets are refused:
their values would end up in an LLM's context.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

if TYPE_CHECKING:
    from lightkube import AsyncClient, KubeConfig
    from mcp.server.mcpserver import MCPServer

MAX_ITEMS = 200
MAX_LOG_LINES = 5000
MAX_OUTPUT_CHARS = 60_000
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)


@dataclass(frozen=True)
class Kind:
    """One resource kind the tools understand, keyed by every name a user might type."""

    kind: str
    resource: Any  # a lightkube resource class whose objects stay plain dicts
    namespaced: bool


# (group, version, kind, plural, namespaced, other names)
_KINDS: tuple[tuple[str, str, str, str, bool, tuple[str, ...]], ...] = (
    ("", "v1", "Pod", "pods", True, ("pod", "po")),
    ("", "v1", "Service", "services", True, ("service", "svc")),
    ("", "v1", "ConfigMap", "configmaps", True, ("configmap", "cm")),
    ("", "v1", "ServiceAccount", "serviceaccounts", True, ("serviceaccount", "sa")),
    ("", "v1", "Event", "events", True, ("event", "ev")),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("pvc", "pvcs")),
    ("", "v1", "Namespace", "namespaces", False, ("namespace", "ns")),
    ("", "v1", "Node", "nodes", False, ("node", "no")),
    ("", "v1", "PersistentVolume", "persistentvolumes", False, ("pv", "pvs")),
    ("apps", "v1", "Deployment", "deployments", True, ("deployment", "deploy")),
    ("apps", "v1", "StatefulSet", "statefulsets", True, ("statefulset", "sts")),
    ("apps", "v1", "DaemonSet", "daemonsets", True, ("daemonset", "ds")),
    ("apps", "v1", "ReplicaSet", "replicasets", True, ("replicaset", "rs")),
    ("batch", "v1", "Job", "jobs", True, ("job",)),
    ("batch", "v1", "CronJob", "cronjobs", True, ("cronjob", "cj")),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True, ("ingress", "ing")),
    ("kagent.dev", "v1alpha2", "Agent", "agents", True, ("agent",)),
    ("kagent.dev", "v1alpha2", "ModelConfig", "modelconfigs", True, ("modelconfig", "mc")),
    ("kagent.dev", "v1alpha2", "RemoteMCPServer", "remotemcpservers", True, ("rmcps",)),
    ("kagent.dev", "v1alpha1", "MCPServer", "mcpservers", True, ("mcpserver", "mcps")),
)


@functools.cache
def _kinds() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for group, version, kind, plural, namespaced, names in _KINDS:
        entry = Kind(kind, _untyped_resource(group, version, kind, plural, namespaced), namespaced)
        for name in (kind.lower(), plural, *names):
            kinds[name] = entry
    return kinds


def _untyped_resource(group: str, version: str, kind: str, plural: str, namespaced: bool) -> Any:
    """A lightkube resource class whose objects are plain dicts.

    Not lightkube's typed models: those reject objects that miss a field the model
    requires (version skew between lightkube and the cluster), which a read-only display
    tool must not do. Not `create_namespaced_resource` either: it registers the class
    globally and would clash with the typed Pod that other code in the process uses.
    """
    from lightkube.core.resource import ApiInfo, ResourceDef
    from lightkube.generic_resource import GenericGlobalResource, GenericNamespacedResource

    base = GenericNamespacedResource if namespaced else GenericGlobalResource
    verbs = ["get", "list", "global_list"]
    info = ApiInfo(resource=ResourceDef(group, version, kind), plural=plural, verbs=verbs)
    return type(kind, (base,), {"_api_info": info})


def resolve_kind(kind: str) -> Kind:
    key = kind.strip().lower()
    if key in ("secret", "secrets"):
        raise ToolError("secrets are not readable through these tools (values would reach the LLM)")
    found = _kinds().get(key)
    if found is None:
        known = sorted({entry.kind for entry in _kinds().values()})
        raise ToolError(f"unknown kind {kind!r}; known kinds: {', '.join(known)}")
    return found


def load_config() -> tuple[KubeConfig | None, str]:
    """The cluster configuration, or None and why not; the text is shown to users."""
    from lightkube import ConfigError, KubeConfig

    try:
        config = KubeConfig.from_env()
    except ConfigError as exc:
        return None, (
            "disabled: no Kubernetes configuration (no in-cluster service account, "
            f"$KUBECONFIG or ~/.kube/config): {exc}"
        )
    except Exception as exc:  # a malformed kubeconfig: say so, do not crash the server
        return None, f"disabled: cannot load the Kubernetes configuration: {exc}"
    try:
        context = config.get()
        if context is None:
            raise ValueError("no current context")
        server = context.cluster.server
    except Exception as exc:
        return None, f"disabled: the Kubernetes configuration has no usable context: {exc}"
    return config, f"enabled: {server}"


class KubernetesTools:
    """The read-only tools, bound to one cluster configuration."""

    def __init__(self, config: KubeConfig) -> None:
        self._config = config

    def register(self, server: MCPServer) -> None:
        for name, function in (
            ("k8s_get_resources", self.get_resources),
            ("k8s_describe", self.describe),
            ("k8s_get_pod_logs", self.get_pod_logs),
        ):
            server.add_tool(function, name=name, annotations=READ_ONLY, structured_output=False)

    def _client(self) -> AsyncClient:
        from lightkube import AsyncClient

        return AsyncClient(config=self._config)

    async def get_resources(
        self,
        kind: Annotated[str, Field(description="Kind, e.g. pods, deployments, svc, nodes.")],
        namespace: Annotated[
            str | None, Field(description="Namespace; omit for all namespaces.")
        ] = None,
    ) -> str:
        """List Kubernetes resources of one kind as a table (like `kubectl get`)."""
        from lightkube import ALL_NS

        entry = resolve_kind(kind)
        client = self._client()
        try:
            scope: dict[str, Any] = {"namespace": namespace or ALL_NS} if entry.namespaced else {}
            items = [_as_dict(obj) async for obj in client.list(entry.resource, **scope)]
        except Exception as exc:
            raise _tool_error(exc, f"list {entry.kind}") from None
        finally:
            await client.close()
        if not items:
            where = f" in namespace {namespace!r}" if namespace and entry.namespaced else ""
            return f"No {entry.kind} resources found{where}."
        with_namespace = entry.namespaced and not namespace
        return _table(entry.kind, items, with_namespace)

    async def describe(
        self,
        kind: Annotated[str, Field(description="Kind, e.g. pod, deployment, service.")],
        name: Annotated[str, Field(description="Name of the resource.")],
        namespace: Annotated[
            str, Field(description="Namespace (ignored for cluster-wide kinds).")
        ] = "default",
    ) -> str:
        """Show one Kubernetes resource as YAML, followed by its recent events."""
        entry = resolve_kind(kind)
        client = self._client()
        try:
            scope: dict[str, Any] = {"namespace": namespace} if entry.namespaced else {}
            obj = _as_dict(await client.get(entry.resource, name, **scope))
        except Exception as exc:
            await client.close()
            raise _tool_error(exc, f"get {entry.kind} {name!r}") from None
        events_note = ""
        try:
            events = [
                _as_dict(event)
                async for event in client.list(
                    _kinds()["event"].resource,
                    namespace=namespace if entry.namespaced else "default",
                    fields={"involvedObject.name": name},
                )
            ]
        except Exception as exc:  # the object is the answer; events are a bonus
            events = []
            events_note = f"<unavailable: {_tool_error(exc, 'list events')}>"
        finally:
            await client.close()
        metadata = obj.get("metadata") or {}
        metadata.pop("managedFields", None)
        annotations = metadata.get("annotations") or {}
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        text = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
        # Field selectors are a server-side filter that not every API server honours
        # (emulators ignore them); filter again here.
        mine = [
            event
            for event in events
            if (event.get("involvedObject") or {}).get("name") == name
            and (event.get("involvedObject") or {}).get("kind", entry.kind) == entry.kind
        ]
        lines = [
            f"{_age(event.get('lastTimestamp') or event.get('eventTime'))} ago  "
            f"{event.get('type', '')}  {event.get('reason', '')}: {event.get('message', '')}"
            for event in mine[-20:]
        ]
        events_text = "\n".join(lines) if lines else events_note or "<none>"
        return _cap(f"{text}\nEvents:\n{events_text}\n")

    async def get_pod_logs(
        self,
        name: Annotated[str, Field(description="Pod name.")],
        namespace: Annotated[str, Field(description="Pod namespace.")] = "default",
        tail: Annotated[
            int, Field(description="Number of lines from the end.", ge=1, le=MAX_LOG_LINES)
        ] = 100,
        container: Annotated[
            str | None, Field(description="Container; needed when the pod has several.")
        ] = None,
    ) -> str:
        """Return the last lines of a pod's log."""
        client = self._client()
        try:
            lines = [
                line
                async for line in client.log(
                    name, namespace=namespace, container=container, tail_lines=tail
                )
            ]
        except Exception as exc:
            raise _tool_error(exc, f"read the logs of pod {namespace}/{name}") from None
        finally:
            await client.close()
        if not lines:
            return f"(pod {namespace}/{name} has no log lines)"
        return _cap("".join(lines))


def _as_dict(obj: Any) -> dict[str, Any]:
    # Generic resources are dict subclasses holding the JSON as decoded; a plain copy
    # keeps yaml.safe_dump happy.
    return dict(obj) if isinstance(obj, dict) else dict(obj.to_dict())


def _tool_error(exc: Exception, action: str) -> ToolError:
    from lightkube import ApiError

    if isinstance(exc, ToolError):
        return exc
    if isinstance(exc, ApiError):
        status = exc.status
        return ToolError(f"cannot {action}: {status.message or status.reason} ({status.code})")
    response = getattr(exc, "response", None)  # an HTTP error without a Status body
    code = getattr(response, "status_code", None)
    if isinstance(code, int):
        reason = {401: "unauthorized", 403: "forbidden", 404: "not found"}.get(code, "failed")
        return ToolError(f"cannot {action}: {reason} (HTTP {code})")
    import httpx2

    if isinstance(exc, httpx2.TransportError):
        return ToolError(f"cannot {action}: the Kubernetes API is unreachable: {exc}")
    return ToolError(f"cannot {action}: {type(exc).__name__}: {exc}")


def _age(timestamp: Any) -> str:
    if not timestamp:
        return "?"
    try:
        when = (
            timestamp
            if isinstance(timestamp, datetime)
            else datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
        )
    except ValueError:
        return "?"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _columns(kind: str, obj: dict[str, Any]) -> dict[str, str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Pod":
        containers = status.get("containerStatuses") or []
        ready = sum(1 for c in containers if c.get("ready"))
        total = len(containers) or len(spec.get("containers") or [])
        return {
            "READY": f"{ready}/{total}",
            "STATUS": _pod_status(status),
            "RESTARTS": str(sum(int(c.get("restartCount") or 0) for c in containers)),
        }
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return {
            "READY": f"{status.get('readyReplicas') or 0}/{spec.get('replicas', 1)}",
            "AVAILABLE": str(status.get("availableReplicas") or 0),
        }
    if kind == "Service":
        ports = ",".join(
            f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or []
        )
        return {
            "TYPE": spec.get("type", "ClusterIP"),
            "CLUSTER-IP": spec.get("clusterIP", ""),
            "PORTS": ports,
        }
    if kind == "Node":
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        return {"STATUS": "Ready" if conditions.get("Ready") == "True" else "NotReady"}
    if kind == "Event":
        involved = obj.get("involvedObject") or {}
        return {
            "TYPE": str(obj.get("type", "")),
            "REASON": str(obj.get("reason", "")),
            "OBJECT": f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
            "MESSAGE": str(obj.get("message", "")).replace("\n", " ")[:120],
        }
    ready_condition = next(
        (c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None
    )
    return {"READY": str(ready_condition.get("status"))} if ready_condition else {}


def _pod_status(status: dict[str, Any]) -> str:
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
    return str(status.get("phase") or "Unknown")


def _table(kind: str, items: list[dict[str, Any]], with_namespace: bool) -> str:
    rows: list[dict[str, str]] = []
    for obj in items[:MAX_ITEMS]:
        metadata = obj.get("metadata") or {}
        row = {"NAMESPACE": str(metadata.get("namespace", ""))} if with_namespace else {}
        row["NAME"] = str(metadata.get("name", ""))
        row.update(_columns(kind, obj))
        row["AGE"] = _age(metadata.get("creationTimestamp"))
        rows.append(row)
    headers = list(dict.fromkeys(key for row in rows for key in row))
    widths = {h: max(len(h), *(len(row.get(h, "")) for row in rows)) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) for h in headers).rstrip()]
    lines += ["  ".join(row.get(h, "").ljust(widths[h]) for h in headers).rstrip() for row in rows]
    if len(items) > MAX_ITEMS:
        lines.append(f"... and {len(items) - MAX_ITEMS} more (narrow it down with a namespace)")
    return _cap("\n".join(lines) + "\n")


def _cap(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    return text[:MAX_OUTPUT_CHARS] + f"\n... (truncated, {len(text)} characters in all)\n"
