"""The Kubernetes side of the built-in tools: configuration, resource lookup, error texts.

`load_config` finds a cluster (in-cluster service account, $KUBECONFIG, ~/.kube/config)
or says why not; the CLI prints that and `server_info` reports it. `Cluster` opens one
short-lived lightkube client per tool call (the server may be called from many event
loops in tests, and a call is rare next to the cost of a connection) and resolves what a
model types (`po`, `deployments.apps`, `Rollout`, a manifest's apiVersion/kind) to an API
resource: a table of common kinds first, then the API server's discovery documents, so
custom resources work too. `failing` turns any exception into a ToolError the model can
read. Secret values never leave this module unredacted (`clean`). `NamespaceScope` is a
namespaced install's limit ($BOSUN_WATCH_NAMESPACES, the chart's watchNamespaces): the
tools refuse other namespaces, and cluster-scoped kinds, with an error naming the allowed
namespaces instead of the API server's bare 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

if TYPE_CHECKING:
    from lightkube import AsyncClient, KubeConfig

WATCH_NAMESPACES_ENV = "BOSUN_WATCH_NAMESPACES"
DISCOVERY_TTL = 60.0  # seconds a discovery answer is reused; new CRDs show up after that
VERBS = ["get", "list", "global_list", "post", "patch", "delete", "put", "watch", "global_watch"]


@dataclass(frozen=True)
class Kind:
    """One API resource: what lightkube needs to reach it, and how to name it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`deployment.apps`, `pod`: the name kubectl prints."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()

    @functools.cached_property
    def resource(self) -> Any:
        """A lightkube resource class whose objects stay plain dicts.

        Not lightkube's typed models: they reject objects missing a field the model
        requires (version skew), which a tool must not do. Not `create_namespaced_resource`
        either: it registers the class globally and would clash with other code's models.
        """
        from lightkube.core.resource import ApiInfo, ResourceDef
        from lightkube.generic_resource import GenericGlobalResource, GenericNamespacedResource

        base = GenericNamespacedResource if self.namespaced else GenericGlobalResource
        info = ApiInfo(
            resource=ResourceDef(self.group, self.version, self.kind),
            plural=self.plural,
            verbs=VERBS,
        )
        return type(self.kind, (base,), {"_api_info": info})


# (group, version, kind, plural, namespaced, short names): answered without discovery.
_COMMON: tuple[tuple[str, str, str, str, bool, tuple[str, ...]], ...] = (
    ("", "v1", "Pod", "pods", True, ("po",)),
    ("", "v1", "Service", "services", True, ("svc",)),
    ("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    ("", "v1", "Secret", "secrets", True, ()),
    ("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    ("", "v1", "Event", "events", True, ("ev",)),
    ("", "v1", "Endpoints", "endpoints", True, ("ep",)),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("pvc",)),
    ("", "v1", "ReplicationController", "replicationcontrollers", True, ("rc",)),
    ("", "v1", "ResourceQuota", "resourcequotas", True, ("quota",)),
    ("", "v1", "LimitRange", "limitranges", True, ("limits",)),
    ("", "v1", "Namespace", "namespaces", False, ("ns",)),
    ("", "v1", "Node", "nodes", False, ("no",)),
    ("", "v1", "PersistentVolume", "persistentvolumes", False, ("pv",)),
    ("apps", "v1", "Deployment", "deployments", True, ("deploy",)),
    ("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",)),
    ("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",)),
    ("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",)),
    ("batch", "v1", "Job", "jobs", True, ()),
    ("batch", "v1", "CronJob", "cronjobs", True, ("cj",)),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ("hpa",)),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("pdb",)),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True, ("ing",)),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ("netpol",)),
    ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True, ()),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ("sc",)),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True, ()),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True, ()),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False, ()),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False, ()),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
     ("crd", "crds")),
    ("kagent.dev", "v1alpha2", "Agent", "agents", True, ()),
    ("kagent.dev", "v1alpha2", "ModelConfig", "modelconfigs", True, ()),
    ("kagent.dev", "v1alpha2", "RemoteMCPServer", "remotemcpservers", True, ("rmcps",)),
    ("kagent.dev", "v1alpha1", "MCPServer", "mcpservers", True, ("mcps",)),
)  # fmt: skip


def _names(kind: Kind) -> set[str]:
    names = {kind.kind.lower(), kind.plural, *kind.short_names}
    if kind.group:
        names |= {f"{kind.plural}.{kind.group}", f"{kind.kind.lower()}.{kind.group}"}
    return names


@functools.cache
def common_kinds() -> dict[str, Kind]:
    table: dict[str, Kind] = {}
    for group, version, kind, plural, namespaced, short in _COMMON:
        entry = Kind(group, version, kind, plural, namespaced, short)
        for name in _names(entry):
            table[name] = entry
    return table


@dataclass(frozen=True)
class NamespaceScope:
    """The namespaces the tools may reach: all (empty `allowed`), or only those listed.

    A namespaced install (the chart's watchNamespaces) gives the tool server Roles in
    those namespaces only; anything else would be the API server's 403, which tells a
    model nothing about where it may look instead.
    """

    allowed: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NamespaceScope:
        env = os.environ if environ is None else environ
        names = (n.strip() for n in env.get(WATCH_NAMESPACES_ENV, "").split(","))
        return cls(tuple(dict.fromkeys(n for n in names if n)))

    @property
    def limited(self) -> bool:
        return bool(self.allowed)

    def _listed(self) -> str:
        return ", ".join(repr(n) for n in self.allowed)

    def default(self, preferred: str | None) -> str | None:
        """The namespace a call without one uses: `preferred` (the context's, the pod's)
        when allowed, else the first allowed one."""
        if not self.limited or (preferred and preferred in self.allowed):
            return preferred
        return self.allowed[0]

    def check(self, namespace: str) -> str:
        """`namespace`, or a ToolError naming the namespaces this server may reach."""
        if self.limited and namespace not in self.allowed:
            raise ToolError(
                f"namespace {namespace!r} is outside this tool server's reach: it was "
                f"installed for the namespaces {self._listed()} only (watchNamespaces); "
                "ask about one of those"
            )
        return namespace

    def check_cluster_scoped(self, kind: str) -> None:
        if self.limited:
            raise ToolError(
                f"{kind} is cluster-scoped, and this tool server may read only the "
                f"namespaces {self._listed()} (watchNamespaces)"
            )

    def refuse_all_namespaces(self) -> None:
        if self.limited:
            raise ToolError(
                "all namespaces is not available: this tool server may reach only the "
                f"namespaces {self._listed()} (watchNamespaces); ask for them one at a time"
            )


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


class Cluster:
    """One cluster configuration, shared by every Kubernetes tool."""

    def __init__(self, config: KubeConfig, scope: NamespaceScope | None = None) -> None:
        self.config = config
        self.scope = NamespaceScope.from_env() if scope is None else scope
        self._discovered: tuple[float, list[Kind]] | None = None
        single = config.get()
        context_namespace = (single.namespace if single else None) or "default"
        self.default_namespace: str = self.scope.default(context_namespace) or "default"

    def client(self) -> AsyncClient:
        from lightkube import AsyncClient

        return AsyncClient(config=self.config)

    @contextlib.asynccontextmanager
    async def session(self, action: str) -> Any:
        """A client for one tool call; any failure inside becomes a readable ToolError."""
        client = self.client()
        try:
            with failing(action):
                yield client
        finally:
            await client.close()

    async def get_json(self, client: AsyncClient, path: str) -> Any:
        """GET a non-resource path (/version, discovery) with the client's credentials."""
        # lightkube has no public call for non-resource paths; its httpx client carries
        # the base URL, TLS and authentication already.
        response = await client._client._client.get(path)
        response.raise_for_status()
        return response.json()

    async def discover(self, client: AsyncClient) -> list[Kind]:
        """Every resource the API server serves (preferred versions), cached a minute."""
        now = time.monotonic()
        if self._discovered is not None and now - self._discovered[0] < DISCOVERY_TTL:
            return self._discovered[1]
        paths = ["/api/v1"]
        groups = await self.get_json(client, "/apis")
        for group in groups.get("groups") or []:
            preferred = group.get("preferredVersion") or (group.get("versions") or [{}])[0]
            if preferred.get("groupVersion"):
                paths.append(f"/apis/{preferred['groupVersion']}")

        async def one(path: str) -> list[Kind]:
            try:
                listing = await self.get_json(client, path)
            except Exception:  # one broken aggregated API must not hide the others
                return []
            group, _, version = path.removeprefix("/api/").removeprefix("/apis/").rpartition("/")
            return [
                Kind(
                    group,
                    version,
                    str(r["kind"]),
                    str(r["name"]),
                    bool(r.get("namespaced")),
                    tuple(r.get("shortNames") or ()),
                )
                for r in listing.get("resources") or []
                if "/" not in str(r.get("name", "/"))  # subresources
            ]

        kinds = [kind for found in await asyncio.gather(*map(one, paths)) for kind in found]
        self._discovered = (now, kinds)
        return kinds

    async def resolve(self, client: AsyncClient, resource_type: str) -> Kind:
        """The resource a model means by `pods`, `deploy`, `certificates.cert-manager.io`."""
        key = resource_type.strip().lower()
        if not key:
            raise ToolError("resource_type is empty: name a kind such as pods or deployments")
        found = common_kinds().get(key)
        if found is not None:
            return found
        matches = [kind for kind in await self.discover(client) if key in _names(kind)]
        if not matches:
            raise ToolError(
                f"the cluster serves no resource type {resource_type!r}; "
                "k8s_get_available_api_resources lists the ones it has"
            )
        # Core and well-known groups win over a CRD that reuses a short name.
        return sorted(matches, key=lambda k: (k.group.count(".") > 1, k.group))[0]

    async def resolve_manifest(self, client: AsyncClient, obj: dict[str, Any]) -> Kind:
        """The resource of a manifest's apiVersion and kind."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise ToolError("every document needs apiVersion and kind")
        group, _, version = api_version.rpartition("/")
        for entry in common_kinds().values():
            if (entry.group, entry.version, entry.kind) == (group, version, kind):
                return entry
        for entry in await self.discover(client):
            if (entry.group, entry.version, entry.kind) == (group, version, kind):
                return entry
        raise ToolError(f"the cluster serves no {kind} in {api_version} (is its CRD installed?)")

    def namespace_for(self, kind: Kind, namespace: str | None) -> dict[str, Any]:
        """lightkube's namespace argument: the given one, the context's, or none; a
        ToolError when the namespace scope does not allow it."""
        if not kind.namespaced:
            self.scope.check_cluster_scoped(kind.kind)
            return {}
        return {"namespace": self.check_namespace(namespace or self.default_namespace)}

    def check_namespace(self, namespace: str) -> str:
        return self.scope.check(namespace)

    def list_scopes(self, kind: Kind, namespace: str | None, everywhere: bool) -> list[Any]:
        """The namespaces one list call reads: all (lightkube's ALL_NS), or each allowed
        one when the scope is limited, or the one `namespace_for` gives."""
        from lightkube import ALL_NS

        if kind.namespaced and everywhere:
            return list(self.scope.allowed) if self.scope.limited else [ALL_NS]
        return [self.namespace_for(kind, namespace).get("namespace")]


def where(kind: Kind, name: str, namespace: str | None) -> str:
    """`Deployment shop/web`, `Node worker-1`: how results name an object."""
    return (
        f"{kind.kind} {namespace}/{name}"
        if kind.namespaced and namespace
        else f"{kind.kind} {name}"
    )


@contextlib.contextmanager
def failing(action: str) -> Iterator[None]:
    try:
        yield
    except ToolError:
        raise
    except Exception as exc:
        raise tool_error(exc, action) from None


def tool_error(exc: BaseException, action: str) -> ToolError:
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


def as_dict(obj: Any) -> dict[str, Any]:
    # Generic resources are dict subclasses holding the JSON as decoded; a plain copy
    # keeps yaml.safe_dump happy.
    return dict(obj) if isinstance(obj, dict) else dict(obj.to_dict())


def clean(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as shown to a model: no managedFields, no last-applied copy, and Secret
    values replaced by their size (they would otherwise end up in an LLM's context)."""
    obj = dict(obj)
    metadata = dict(obj.get("metadata") or {})
    metadata.pop("managedFields", None)
    annotations = dict(metadata.get("annotations") or {})
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    obj["metadata"] = metadata
    if obj.get("kind") == "Secret":
        for field in ("data", "stringData"):
            values = obj.get(field)
            if isinstance(values, dict):
                obj[field] = {key: _redacted(field, value) for key, value in values.items()}
    return obj


def _redacted(field: str, value: Any) -> str:
    size = len(str(value or ""))
    if field == "data":  # base64: 4 characters per 3 bytes
        size = size * 3 // 4 - str(value or "").count("=")
    return f"<redacted: {size} bytes>"
