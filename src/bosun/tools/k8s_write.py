"""Kubernetes tools that change objects, with kagent's names and parameters.

k8s_apply_manifest (server-side apply, dry-run of every document first), k8s_create_resource,
k8s_create_resource_from_url, k8s_patch_resource, k8s_delete_resource, k8s_label_resource,
k8s_annotate_resource, k8s_remove_label, k8s_remove_annotation. Left out by `--read-only`.
Answers are short confirmations, one line per object, like kubectl's.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import yaml
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from bosun.tools.catalog import ADD, ADD_IDEMPOTENT, CHANGE, ToolSpec
from bosun.tools.k8s_client import Cluster, Kind, as_dict, failing, where
from bosun.tools.k8s_read import OptionalNamespace, ResourceName, ResourceType

FIELD_MANAGER = "bosun-tools"
MAX_MANIFEST_BYTES = 1_000_000
MAX_DOCUMENTS = 100
Namespace = Annotated[str, Field(description="Namespace of the resource.")]
_KEY = re.compile(
    r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)


def parse_documents(text: str) -> list[dict[str, Any]]:
    """The objects of a YAML or JSON manifest (several documents, or a List)."""
    if not text.strip():
        raise ToolError("the manifest is empty")
    if len(text.encode()) > MAX_MANIFEST_BYTES:
        raise ToolError(f"the manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise ToolError(f"the manifest is not valid YAML: {exc}") from None
    objects: list[dict[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise ToolError("every document of the manifest must be a mapping (an object)")
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
            objects.extend(item for item in doc["items"] if isinstance(item, dict))
        else:
            objects.append(doc)
    if not objects:
        raise ToolError("the manifest holds no object")
    if len(objects) > MAX_DOCUMENTS:
        raise ToolError(f"the manifest holds more than {MAX_DOCUMENTS} objects")
    for obj in objects:
        if not (obj.get("metadata") or {}).get("name"):
            raise ToolError(f"a {obj.get('kind', 'document')} has no metadata.name")
    return objects


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """`app=web tier=front` (or comma-separated) as a dict; a clear error otherwise."""
    pairs: dict[str, str] = {}
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not _KEY.match(key):
            raise ToolError(f"{what} must be key=value pairs separated by spaces; got {item!r}")
        pairs[key] = value
    if not pairs:
        raise ToolError(f"no {what} given")
    return pairs


class WriteTools:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec("k8s_apply_manifest", self.apply_manifest, CHANGE),
            ToolSpec("k8s_create_resource", self.create_resource, ADD),
            ToolSpec("k8s_create_resource_from_url", self.create_resource_from_url, ADD),
            ToolSpec("k8s_patch_resource", self.patch_resource, CHANGE),
            ToolSpec("k8s_delete_resource", self.delete_resource, CHANGE),
            ToolSpec("k8s_label_resource", self.label_resource, ADD_IDEMPOTENT),
            ToolSpec("k8s_annotate_resource", self.annotate_resource, ADD_IDEMPOTENT),
            ToolSpec("k8s_remove_label", self.remove_label, CHANGE),
            ToolSpec("k8s_remove_annotation", self.remove_annotation, CHANGE),
        ]

    async def apply_manifest(
        self, manifest: Annotated[str, Field(description="YAML manifest (one or more documents).")]
    ) -> str:
        """Apply a YAML manifest to the cluster (server-side apply). Every object is first
        checked with a server-side dry run; if any fails, nothing is changed."""
        from lightkube.types import PatchType

        objects = parse_documents(manifest)
        async with self.cluster.session("apply the manifest") as client:
            targets: list[tuple[Kind, dict[str, Any], dict[str, Any]]] = []
            for obj in objects:
                kind = await self.cluster.resolve_manifest(client, obj)
                scope = self.cluster.namespace_for(kind, obj["metadata"].get("namespace"))
                targets.append((kind, obj, scope))
            failures = []
            done: list[str] = []
            for dry_run in (True, False):
                done = []
                for kind, obj, scope in targets:
                    name = obj["metadata"]["name"]
                    label = where(kind, name, scope.get("namespace"))
                    try:
                        with failing(f"apply {label}"):
                            await client.patch(
                                kind.resource,
                                name,
                                obj,
                                patch_type=PatchType.APPLY,
                                field_manager=FIELD_MANAGER,
                                force=True,
                                dry_run=dry_run,
                                **scope,
                            )
                    except ToolError as exc:
                        failures.append(str(exc))
                        continue
                    done.append(f"{label}: applied")
                if failures and dry_run:
                    raise ToolError(
                        "the server-side dry run failed, nothing was changed:\n"
                        + "\n".join(failures)
                    )
                if failures:  # the cluster changed between the dry run and the apply
                    raise ToolError("\n".join([*done, *failures]))
        return "\n".join(done)

    async def _create(self, objects: list[dict[str, Any]], namespace: str | None) -> str:
        done: list[str] = []
        async with self.cluster.session("create the resources") as client:
            # Every object's kind and namespace first: one outside the namespace scope
            # refuses the call before anything is created.
            targets = []
            for obj in objects:
                kind = await self.cluster.resolve_manifest(client, obj)
                namespace_of = namespace or obj["metadata"].get("namespace")
                targets.append((kind, obj, self.cluster.namespace_for(kind, namespace_of)))
            for kind, obj, scope in targets:
                label = where(kind, obj["metadata"]["name"], scope.get("namespace"))
                try:
                    with failing(f"create {label}"):
                        await client.create(kind.resource.from_dict(obj), **scope)
                except ToolError as exc:
                    if done:
                        raise ToolError("\n".join([*done, str(exc)])) from None
                    raise
                done.append(f"{label}: created")
        return "\n".join(done)

    async def create_resource(
        self,
        yaml_content: Annotated[str, Field(description="YAML of the resource(s) to create.")],
    ) -> str:
        """Create Kubernetes resources from YAML (fails for objects that already exist)."""
        return await self._create(parse_documents(yaml_content), None)

    async def create_resource_from_url(
        self,
        url: Annotated[str, Field(description="http(s) URL of a YAML manifest.")],
        namespace: OptionalNamespace = None,
    ) -> str:
        """Create Kubernetes resources from a manifest at a URL."""
        import httpx

        if not url.startswith(("https://", "http://")):
            raise ToolError("url must start with https:// or http://")
        try:
            async with httpx.AsyncClient(timeout=20.0, follow_redirects=True) as http:
                response = await http.get(url)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ToolError(f"cannot fetch {url}: {exc}") from None
        return await self._create(parse_documents(response.text), namespace)

    async def patch_resource(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        patch: Annotated[str, Field(description="The patch, as JSON (or YAML).")],
        namespace: Namespace = "default",
        patch_type: Annotated[
            Literal["strategic", "merge", "json"],
            Field(
                description="strategic (default; built-in types only), merge (RFC 7386, "
                "needed for custom resources) or json (RFC 6902 list of operations)."
            ),
        ] = "strategic",
    ) -> str:
        """Patch a Kubernetes resource."""
        from lightkube.types import PatchType

        try:
            body = yaml.safe_load(patch)
        except yaml.YAMLError as exc:
            raise ToolError(f"the patch is not valid JSON or YAML: {exc}") from None
        wanted = list if patch_type == "json" else dict
        if not isinstance(body, wanted):
            raise ToolError(
                f"a {patch_type} patch must be a JSON {'array' if wanted is list else 'object'}"
            )
        types = {"strategic": PatchType.STRATEGIC, "merge": PatchType.MERGE, "json": PatchType.JSON}
        return await self._patch(
            resource_type, resource_name, namespace, body, types[patch_type], "patched"
        )

    async def _patch(
        self,
        resource_type: str,
        resource_name: str,
        namespace: str | None,
        body: Any,
        patch_type: Any,
        verb: str,
    ) -> str:
        async with self.cluster.session(f"patch {resource_type} {resource_name!r}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            scope = self.cluster.namespace_for(kind, namespace)
            await client.patch(kind.resource, resource_name, body, patch_type=patch_type, **scope)
        return f"{where(kind, resource_name, scope.get('namespace'))}: {verb}"

    async def delete_resource(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        namespace: Namespace = "default",
    ) -> str:
        """Delete a Kubernetes resource."""
        async with self.cluster.session(f"delete {resource_type} {resource_name!r}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            scope = self.cluster.namespace_for(kind, namespace)
            await client.delete(kind.resource, resource_name, **scope)
        return f"{where(kind, resource_name, scope.get('namespace'))}: deleted"

    async def _metadata_map(
        self, resource_type: str, resource_name: str, namespace: str | None, field: str
    ) -> dict[str, str]:
        async with self.cluster.session(f"get {resource_type} {resource_name!r}") as client:
            kind = await self.cluster.resolve(client, resource_type)
            obj = as_dict(
                await client.get(
                    kind.resource, resource_name, **self.cluster.namespace_for(kind, namespace)
                )
            )
        return dict((obj.get("metadata") or {}).get(field) or {})

    async def _add(
        self, resource_type: str, resource_name: str, namespace: str | None, field: str, text: str
    ) -> str:
        from lightkube.types import PatchType

        what = field[:-1]
        pairs = parse_pairs(text, f"{field}")
        current = await self._metadata_map(resource_type, resource_name, namespace, field)
        # As kubectl without --overwrite: adding never changes a value that is there.
        clashes = [
            f"{k}={current[k]}" for k, v in pairs.items() if k in current and current[k] != v
        ]
        if clashes:
            raise ToolError(
                f"{resource_type} {resource_name!r} already has {what} {', '.join(clashes)}; "
                f"remove it first (k8s_remove_{what}) or use k8s_patch_resource to change it"
            )
        body = {"metadata": {field: pairs}}
        return await self._patch(
            resource_type, resource_name, namespace, body, PatchType.MERGE, f"{field} set"
        )

    async def _remove(
        self, resource_type: str, resource_name: str, namespace: str | None, field: str, key: str
    ) -> str:
        from lightkube.types import PatchType

        current = await self._metadata_map(resource_type, resource_name, namespace, field)
        if key not in current:
            return f"{resource_type} {resource_name!r} has no {field[:-1]} {key!r}; nothing changed"
        body = {"metadata": {field: {key: None}}}  # null removes a key in a merge patch
        return await self._patch(
            resource_type,
            resource_name,
            namespace,
            body,
            PatchType.MERGE,
            f"{field[:-1]} {key!r} removed",
        )

    async def label_resource(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        labels: Annotated[str, Field(description="Space-separated key=value pairs.")],
        namespace: OptionalNamespace = None,
    ) -> str:
        """Add labels to a Kubernetes resource (an existing label keeps its value)."""
        return await self._add(resource_type, resource_name, namespace, "labels", labels)

    async def annotate_resource(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        annotations: Annotated[str, Field(description="Space-separated key=value pairs.")],
        namespace: OptionalNamespace = None,
    ) -> str:
        """Add annotations to a Kubernetes resource (an existing one keeps its value)."""
        return await self._add(resource_type, resource_name, namespace, "annotations", annotations)

    async def remove_label(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        label_key: Annotated[str, Field(description="Key of the label to remove.")],
        namespace: OptionalNamespace = None,
    ) -> str:
        """Remove a label from a Kubernetes resource."""
        return await self._remove(resource_type, resource_name, namespace, "labels", label_key)

    async def remove_annotation(
        self,
        resource_type: ResourceType,
        resource_name: ResourceName,
        annotation_key: Annotated[str, Field(description="Key of the annotation to remove.")],
        namespace: OptionalNamespace = None,
    ) -> str:
        """Remove an annotation from a Kubernetes resource."""
        return await self._remove(
            resource_type, resource_name, namespace, "annotations", annotation_key
        )
