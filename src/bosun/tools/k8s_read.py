"""Read-only Kubernetes tools, with kagent's names and parameters.

k8s_get_resources, k8s_describe_resource, k8s_get_resource_yaml, k8s_get_events,
k8s_get_pod_logs, k8s_get_available_api_resources, k8s_get_cluster_configuration.
Registered by `server.build_server` when a cluster configuration is found. Every answer
is text a model reads; Secret values are redacted (`k8s_client.clean`).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from bosun.tools.catalog import READ, ToolSpec
from bosun.tools.k8s_client import Cluster, as_dict, clean, common_kinds
from bosun.tools.k8s_format import cap, event_lines, table, to_yaml

MAX_LOG_LINES = 5000

ResourceType = Annotated[
    str, Field(description="Type of resource: pod, service, deployment, node, a CRD's plural ...")
]
ResourceName = Annotated[str, Field(description="Name of the resource.")]
OptionalNamespace = Annotated[
    str | None,
    Field(description="Namespace; omitted: the configured default namespace."),
]


class ReadTools:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec("k8s_get_resources", self.get_resources, READ),
            ToolSpec("k8s_describe_resource", self.describe_resource, READ),
            ToolSpec("k8s_get_resource_yaml", self.get_resource_yaml, READ),
            ToolSpec("k8s_get_events", self.get_events, READ),
            ToolSpec("k8s_get_pod_logs", self.get_pod_logs, READ),
            ToolSpec("k8s_get_available_api_resources", self.get_available_api_resources, READ),
            ToolSpec("k8s_get_cluster_configuration", self.get_cluster_configuration, READ),
        ]

    async def get_resources(
        self,
        resource_type: ResourceType,
        resource_name: Annotated[
            str | None, Field(description="Name of one resource (optional).")
        ] = None,
        namespace: OptionalNamespace = None,
        all_namespaces: Annotated[bool, Field(description="Query all namespaces.")] = False,
        output: Annotated[
            Literal["wide", "table", "json", "yaml", "name"],
            Field(description="Output format: wide (default), table, json, yaml or name."),
        ] = "wide",
        limit: Annotated[
            int, Field(description="Maximum number of resources to return; 0 returns all.", ge=0)
        ] = 200,
    ) -> str:
        """Get Kubernetes resources, like `kubectl get` (a table by default)."""
        async with self.cluster.session(f"get {resource_type}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            if resource_name:
                scope = self.cluster.namespace_for(kind, namespace)
                items = [as_dict(await client.get(kind.resource, resource_name, **scope))]
                listed = [scope.get("namespace")]
            else:
                # All namespaces of a namespaced install: each allowed one in turn.
                listed = self.cluster.list_scopes(kind, namespace, all_namespaces)
                items = [
                    as_dict(obj)
                    for ns in listed
                    async for obj in client.list(
                        kind.resource, **({} if ns is None else {"namespace": ns})
                    )
                ]
        items = [clean(obj) for obj in items]
        if not items:
            ns = listed[0] if len(listed) == 1 else None
            in_ns = f" in namespace {ns!r}" if isinstance(ns, str) and ns else ""
            return f"No {kind.kind} resources found{in_ns}."
        if output == "name":
            names = [f"{kind.qualified}/{obj['metadata'].get('name', '')}" for obj in items]
            return cap("\n".join(names[:limit] if limit else names) + "\n")
        if output in ("json", "yaml"):
            shown = items[:limit] if limit else items
            doc: dict[str, Any] = (
                shown[0] if resource_name else {"apiVersion": "v1", "kind": "List", "items": shown}
            )
            text = json.dumps(doc, indent=2) if output == "json" else to_yaml(doc)
            if len(shown) < len(items):
                text += f"\n... truncated: showing {len(shown)} of {len(items)} resources.\n"
            return cap(text)
        with_namespace = kind.namespaced and all_namespaces and not resource_name
        return table(
            kind.kind, items, with_namespace=with_namespace, wide=output == "wide", limit=limit
        )

    async def _get(
        self, resource_type: str, resource_name: str, namespace: str | None
    ) -> tuple[Any, dict[str, Any], str | None]:
        action = f"get {resource_type} {resource_name!r}"
        async with self.cluster.session(action) as client:
            kind = await self.cluster.resolve(client, resource_type)
            scope = self.cluster.namespace_for(kind, namespace)
            obj = as_dict(await client.get(kind.resource, resource_name, **scope))
        return kind, clean(obj), scope.get("namespace")

    async def get_resource_yaml(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        namespace: OptionalNamespace = None,
    ) -> str:
        """Get the YAML of one Kubernetes resource (Secret values redacted)."""
        _, obj, _ = await self._get(resource_type, resource_name, namespace)
        return cap(to_yaml(obj))

    async def describe_resource(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        namespace: OptionalNamespace = None,
    ) -> str:
        """Describe one Kubernetes resource: its YAML followed by its recent events."""
        kind, obj, ns = await self._get(resource_type, resource_name, namespace)
        events_note = ""
        try:
            events = await self._events(ns, involved=(kind.kind, resource_name))
        except ToolError as exc:  # the object is the answer; events are a bonus
            events, events_note = [], f"<unavailable: {exc}>"
        lines = event_lines(events)[-20:]
        body = to_yaml(obj)
        return cap(
            f"{body}\nEvents:\n{chr(10).join(lines) if lines else events_note or '<none>'}\n"
        )

    async def _events(
        self, namespace: str | None, involved: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]:
        event = common_kinds()["event"]
        fields = {"involvedObject.name": involved[1]} if involved else None
        if namespace:
            namespaces: list[Any] = [self.cluster.check_namespace(namespace)]
        else:  # all namespaces, or each allowed one of a namespaced install
            namespaces = self.cluster.list_scopes(event, None, True)
        async with self.cluster.session("list events") as client:
            events = [
                as_dict(e)
                for ns in namespaces
                async for e in client.list(event.resource, namespace=ns, fields=fields)
            ]
        if involved is None:
            return events
        # Field selectors are a server-side filter not every API server honours
        # (emulators ignore them); filter again here.
        kind, name = involved
        return [
            e
            for e in events
            if (e.get("involvedObject") or {}).get("name") == name
            and (e.get("involvedObject") or {}).get("kind", kind) == kind
        ]

    async def get_events(
        self,
        namespace: Annotated[
            str | None, Field(description="Namespace; omitted: events of all namespaces.")
        ] = None,
    ) -> str:
        """Get Kubernetes events (oldest first), to see what went wrong recently."""
        events = await self._events(namespace)
        if not events:
            return f"No events found{f' in namespace {namespace!r}' if namespace else ''}."
        events.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        return table("Event", events, with_namespace=not namespace, wide=False, limit=500)

    async def get_pod_logs(
        self,
        pod_name: Annotated[str, Field(description="Name of the pod.")],
        namespace: Annotated[str, Field(description="Namespace of the pod.")] = "default",
        container: Annotated[
            str | None, Field(description="Container name (for multi-container pods).")
        ] = None,
        tail_lines: Annotated[
            int,
            Field(description="Number of lines from the end of the log.", ge=1, le=MAX_LOG_LINES),
        ] = 50,
    ) -> str:
        """Get the last lines of a pod's log."""
        self.cluster.check_namespace(namespace)
        async with self.cluster.session(f"read the logs of pod {namespace}/{pod_name}") as client:
            lines = [
                line
                async for line in client.log(
                    pod_name, namespace=namespace, container=container, tail_lines=tail_lines
                )
            ]
        if not lines:
            return f"(pod {namespace}/{pod_name} has no log lines)"
        return cap("".join(lines))

    async def get_available_api_resources(self) -> str:
        """List the resource types the cluster serves, like `kubectl api-resources`."""
        async with self.cluster.session("discover the API resources") as client:
            kinds = await self.cluster.discover(client)
        rows = [
            {
                "NAME": k.plural,
                "SHORTNAMES": ",".join(k.short_names),
                "APIVERSION": k.api_version,
                "NAMESPACED": str(k.namespaced).lower(),
                "KIND": k.kind,
            }
            for k in sorted(kinds, key=lambda k: (k.group, k.plural))
        ]
        headers = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
        widths = {h: max(len(h), *(len(r[h]) for r in rows)) if rows else len(h) for h in headers}
        lines = ["  ".join(h.ljust(widths[h]) for h in headers).rstrip()]
        lines += ["  ".join(r[h].ljust(widths[h]) for h in headers).rstrip() for r in rows]
        return cap("\n".join(lines) + "\n")

    async def get_cluster_configuration(self) -> str:
        """Show which cluster and context the tools use, and the server's version
        (credentials are never shown)."""
        config = self.cluster.config
        contexts = {
            name: {
                "cluster": ctx.cluster,
                "user": ctx.user,
                "namespace": ctx.namespace or "default",
            }
            for name, ctx in (config.contexts or {}).items()
        }
        clusters = {
            name: {"server": c.server, "insecure-skip-tls-verify": c.insecure}
            for name, c in (config.clusters or {}).items()
        }
        summary: dict[str, Any] = {
            "current-context": config.current_context,
            "default-namespace": self.cluster.default_namespace,
            "contexts": contexts,
            "clusters": clusters,
            "users": sorted(config.users or {}),
        }
        if self.cluster.scope.limited:  # a namespaced install: where the tools may look
            summary["allowed-namespaces"] = list(self.cluster.scope.allowed)
        try:
            async with self.cluster.session("read the server version") as client:
                version = await self.cluster.get_json(client, "/version")
            summary["server-version"] = version.get("gitVersion")
            summary["platform"] = version.get("platform")
        except ToolError as exc:
            summary["server-version"] = f"<unavailable: {exc}>"
        return to_yaml(summary)
