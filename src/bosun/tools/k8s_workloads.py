"""Kubernetes tools for running workloads: k8s_scale, k8s_rollout, k8s_execute_command,
k8s_check_service_connectivity.

k8s_rollout does what `kubectl rollout` does, from the API objects alone: `restart` sets
the restartedAt annotation on the pod template, `status` reads the controller's status
(without waiting), `history` lists the ReplicaSets' revisions, `undo` copies the previous
revision's pod template back, `pause`/`resume` set spec.paused.
k8s_check_service_connectivity checks a Service from the tool server itself (no curl pod
is created): it looks the Service up, counts its ready endpoints and opens a connection
to it; only Services of the cluster can be named, not arbitrary hosts.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from bosun.tools.catalog import CHANGE, CHANGE_AGAIN, READ_OPEN, ToolSpec
from bosun.tools.k8s_client import Cluster, as_dict, common_kinds, where
from bosun.tools.k8s_format import cap

REVISION = "deployment.kubernetes.io/revision"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
EXEC_TIMEOUT = 60.0
CONNECT_TIMEOUT = 5.0
Namespace = Annotated[str, Field(description="Namespace of the resource.")]


class WorkloadTools:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec("k8s_scale", self.scale, CHANGE),
            ToolSpec("k8s_rollout", self.rollout, CHANGE_AGAIN),
            ToolSpec("k8s_execute_command", self.execute_command, CHANGE_AGAIN),
            ToolSpec("k8s_check_service_connectivity", self.check_service_connectivity, READ_OPEN),
        ]

    async def scale(
        self,
        name: Annotated[str, Field(description="Name of the deployment (or statefulset).")],
        replicas: Annotated[int, Field(description="Number of replicas.", ge=0, le=10_000)],
        namespace: Namespace = "default",
        resource_type: Annotated[
            str, Field(description="deployment (default), statefulset or replicaset.")
        ] = "deployment",
    ) -> str:
        """Scale a Kubernetes deployment (or statefulset, replicaset) to a number of replicas."""
        from lightkube.types import PatchType

        self.cluster.check_namespace(namespace)
        async with self.cluster.session(f"scale {resource_type} {namespace}/{name}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            if kind.kind not in ("Deployment", "StatefulSet", "ReplicaSet"):
                raise ToolError(f"{kind.kind} cannot be scaled with this tool")
            obj = as_dict(await client.get(kind.resource, name, namespace=namespace))
            before = (obj.get("spec") or {}).get("replicas", 1)
            body = {"spec": {"replicas": replicas}}
            await client.patch(
                kind.resource, name, body, namespace=namespace, patch_type=PatchType.MERGE
            )
        return f"{where(kind, name, namespace)}: scaled from {before} to {replicas} replicas"

    async def rollout(
        self,
        action: Annotated[
            Literal["restart", "status", "history", "undo", "pause", "resume"],
            Field(description="The rollout action."),
        ],
        resource_type: Annotated[str, Field(description="deployment, statefulset or daemonset.")],
        resource_name: Annotated[str, Field(description="Name of the resource.")],
        namespace: Annotated[
            str | None, Field(description="Namespace; omitted: the default namespace.")
        ] = None,
    ) -> str:
        """Rollout operations on a deployment, statefulset or daemonset: restart, status,
        history, undo (to the previous revision), pause, resume."""
        from lightkube.types import PatchType

        ns = self.cluster.check_namespace(namespace or self.cluster.default_namespace)
        async with self.cluster.session(f"{action} the rollout of {resource_name!r}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            if kind.kind not in ("Deployment", "StatefulSet", "DaemonSet"):
                raise ToolError(f"{kind.kind} has no rollouts (deployment, statefulset, daemonset)")
            label = where(kind, resource_name, ns)
            obj = as_dict(await client.get(kind.resource, resource_name, namespace=ns))
            if action == "status":
                return f"{label}: {rollout_status(kind.kind, obj)}"
            if action in ("history", "undo"):
                if kind.kind != "Deployment":
                    raise ToolError(f"{action} is implemented for deployments only")
                revisions = await self._revisions(client, obj, ns)
                if action == "history":
                    lines = [f"REVISION  IMAGES   ({label})"]
                    lines += [f"{number:<8}  {_images(t)}" for number, t in revisions]
                    return "\n".join(lines)
                number, body = _undo_patch(obj, revisions)
                await client.patch(
                    kind.resource, resource_name, body, namespace=ns, patch_type=PatchType.JSON
                )
                return f"{label}: rolled back to revision {number}"
            if action == "restart":
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                patch: dict[str, Any] = {
                    "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}
                }
            else:
                if kind.kind != "Deployment":
                    raise ToolError(f"{action} is implemented for deployments only")
                patch = {"spec": {"paused": action == "pause"}}
            await client.patch(
                kind.resource, resource_name, patch, namespace=ns, patch_type=PatchType.MERGE
            )
        return f"{label}: {'restarted' if action == 'restart' else action + 'd'}"

    async def _revisions(
        self, client: Any, deployment: dict[str, Any], namespace: str
    ) -> list[tuple[int, dict[str, Any]]]:
        """(revision, pod template) of the deployment's ReplicaSets, oldest first."""
        uid = deployment["metadata"].get("uid")
        replica_sets = common_kinds()["replicaset"]
        found = []
        async for rs in client.list(replica_sets.resource, namespace=namespace):
            rs = as_dict(rs)
            owners = rs.get("metadata", {}).get("ownerReferences") or []
            if not any(o.get("uid") == uid for o in owners):
                continue
            revision = (rs["metadata"].get("annotations") or {}).get(REVISION)
            if revision and str(revision).isdigit():
                found.append((int(revision), (rs.get("spec") or {}).get("template") or {}))
        return sorted(found, key=lambda pair: pair[0])

    async def execute_command(
        self,
        pod_name: Annotated[str, Field(description="Name of the pod.")],
        command: Annotated[
            str, Field(description="Command to run, split like a shell would (no shell runs it).")
        ],
        namespace: Namespace = "default",
        container: Annotated[
            str | None, Field(description="Container name (for multi-container pods).")
        ] = None,
    ) -> str:
        """Run a command in a pod's container and return its output and exit code."""
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise ToolError(f"cannot split the command: {exc}") from None
        if not argv:
            raise ToolError("the command is empty")
        self.cluster.check_namespace(namespace)
        action = f"run {argv[0]!r} in pod {namespace}/{pod_name}"
        async with self.cluster.session(action) as client:
            response = await client.exec(
                pod_name,
                namespace=namespace,
                container=container,
                command=argv,
                stdout=True,
                stderr=True,
                timeout=EXEC_TIMEOUT,
            )
        parts = [str(response.stdout or "")]
        if response.stderr:
            parts.append(f"[stderr]\n{response.stderr}")
        parts.append(f"[exit code {response.exit_code}]")
        return cap("\n".join(p for p in parts if p))

    async def check_service_connectivity(
        self,
        service_name: Annotated[
            str,
            Field(
                description="Service to test: name, name.namespace or "
                "name.namespace.svc.cluster.local, with an optional :port."
            ),
        ],
        namespace: Annotated[
            str, Field(description="Namespace of the Service when the name has none.")
        ] = "default",
    ) -> str:
        """Check that a Service answers: its ready endpoints, then a TCP (and HTTP) connection."""
        name, ns, port = parse_service(service_name, namespace)
        self.cluster.check_namespace(ns)
        services, slices = common_kinds()["service"], common_kinds()["endpointslice"]
        async with self.cluster.session(f"get Service {ns}/{name}") as client:
            service = as_dict(await client.get(services.resource, name, namespace=ns))
            try:
                endpoints = [
                    as_dict(s)
                    async for s in client.list(
                        slices.resource,
                        namespace=ns,
                        labels={"kubernetes.io/service-name": name},
                    )
                ]
                ready: int | None = sum(
                    1
                    for s in endpoints
                    if (s.get("metadata", {}).get("labels") or {}).get("kubernetes.io/service-name")
                    == name
                    for e in s.get("endpoints") or []
                    if (e.get("conditions") or {}).get("ready", True)
                )
            except Exception:  # EndpointSlices unreadable (RBAC): the connection test still tells
                ready = None
        spec = service.get("spec") or {}
        ports = [int(p["port"]) for p in spec.get("ports") or [] if p.get("port")]
        if port is None:
            if not ports:
                raise ToolError(f"Service {ns}/{name} has no ports")
            port = ports[0]
        cluster_ip = spec.get("clusterIP")
        host = cluster_ip if cluster_ip and cluster_ip != "None" else f"{name}.{ns}.svc"
        lines = [f"Service {ns}/{name} ({spec.get('type', 'ClusterIP')}, ports {ports or '-'})"]
        if ready is not None:
            lines.append(f"ready endpoints: {ready}")
        lines.append(await probe(host, port))
        return "\n".join(lines)


def parse_service(text: str, namespace: str) -> tuple[str, str, int | None]:
    target = text.strip().removeprefix("http://").removeprefix("https://").split("/", 1)[0]
    host, _, port_text = target.partition(":")
    if port_text and not port_text.isdigit():
        raise ToolError(f"the port in {text!r} is not a number")
    labels = host.split(".")
    if not labels[0]:
        raise ToolError("service_name is empty")
    ns = labels[1] if len(labels) > 1 and labels[1] != "svc" else namespace
    return labels[0], ns, int(port_text) if port_text else None


async def probe(host: str, port: int) -> str:
    """Open a TCP connection, then try one HTTP request; describe what happened."""
    import httpx

    started = time.monotonic()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        return f"connection to {host}:{port} failed: {reason}"
    writer.close()
    tcp_ms = (time.monotonic() - started) * 1000
    try:
        async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT) as http:
            response = await http.get(f"http://{host}:{port}/")
        return (
            f"connected to {host}:{port} in {tcp_ms:.0f} ms; "
            f"HTTP GET / answered {response.status_code} {response.reason_phrase}"
        )
    except httpx.HTTPError:
        return f"connected to {host}:{port} in {tcp_ms:.0f} ms (TCP; no HTTP answer)"


def rollout_status(kind: str, obj: dict[str, Any]) -> str:
    """What `kubectl rollout status` would print, from one read of the object."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    generation = obj.get("metadata", {}).get("generation") or 0
    if (status.get("observedGeneration") or 0) < generation:
        return "waiting for the rollout to be observed by its controller"
    if kind == "DaemonSet":
        want, updated = (
            status.get("desiredNumberScheduled", 0),
            status.get("updatedNumberScheduled", 0),
        )
        available = status.get("numberAvailable", 0)
    else:
        want = spec.get("replicas", 1)
        updated = status.get("updatedReplicas", 0)
        available = (
            status.get("availableReplicas", 0)
            if kind == "Deployment"
            else status.get("readyReplicas", 0)
        )
    if kind == "Deployment":
        for condition in status.get("conditions") or []:
            if (
                condition.get("type") == "Progressing"
                and condition.get("reason") == "ProgressDeadlineExceeded"
            ):
                return f"rollout failed: {condition.get('message', 'progress deadline exceeded')}"
    if updated < want:
        return f"waiting: {updated} of {want} updated replicas"
    if (status.get("replicas") or 0) > updated:
        return (
            f"waiting: {status.get('replicas', 0) - updated} old replicas are pending termination"
        )
    if available < want:
        return f"waiting: {available} of {want} updated replicas are available"
    return "successfully rolled out"


def _images(template: dict[str, Any]) -> str:
    containers = (template.get("spec") or {}).get("containers") or []
    return ",".join(str(c.get("image", "?")) for c in containers) or "-"


def _undo_patch(
    deployment: dict[str, Any], revisions: list[tuple[int, dict[str, Any]]]
) -> tuple[int, list[dict[str, Any]]]:
    """The revision to go back to and the JSON patch that restores its pod template."""
    current = int((deployment["metadata"].get("annotations") or {}).get(REVISION) or 0)
    if not current and revisions:
        current = revisions[-1][0]
    older = [(n, t) for n, t in revisions if n < current]
    if not older:
        raise ToolError("no previous revision to roll back to (see action=history)")
    number, template = older[-1]
    template = {**template, "metadata": dict(template.get("metadata") or {})}
    labels = dict(template["metadata"].get("labels") or {})
    labels.pop("pod-template-hash", None)  # the ReplicaSet's own label, not the template's
    template["metadata"]["labels"] = labels
    return number, [{"op": "replace", "path": "/spec/template", "value": template}]
