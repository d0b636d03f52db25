"""Reading manifests: YAML documents in, typed resources or precise problems out.

Used by `bosun validate/render/apply`, the control plane's local store and tests. A problem
names the file, the document, the object and the field path in kubectl's notation
(`spec.declarative.tools[0].mcpServer`), never a traceback.

kagent.dev/v1alpha1 Agents and ModelConfigs are converted to v1alpha2 as they are read
(bosun.api.v1alpha1_convert), with a warning per field not carried over (the converted
object's annotations say where it came from); v1alpha1 Tools convert the Agents of the
same set that name them, with a warning when one cannot run, and are kept as objects of
their own (`tools`: `bosun apply` stores them; a controller resolves the Agents' Tools
again against the stored ones, bosun.api.v1alpha1_resolve).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bosun.api import agent, mcpserver, modelconfig, policy, team, v1alpha1
from bosun.api import v1alpha1_convert as convert
from bosun.api.base import Resource

AnyResource = Resource[Any, Any]

RESOURCE_KINDS: dict[str, type[AnyResource]] = {
    cls.info.kind: cls
    for cls in (
        agent.Agent,
        modelconfig.ModelConfig,
        mcpserver.RemoteMCPServer,
        mcpserver.MCPServer,
        policy.Policy,
        team.AgentTeam,
        v1alpha1.Tool,  # stored as it is; v1alpha1 Agents name it (v1alpha1_resolve)
    )
}
GROUPS = frozenset(cls.info.group for cls in RESOURCE_KINDS.values())
LEGACY_KINDS: dict[str, type[AnyResource]] = {
    "Agent": v1alpha1.AgentV1Alpha1,
    "ModelConfig": v1alpha1.ModelConfigV1Alpha1,
    "Tool": v1alpha1.Tool,
}
"""kagent.dev/v1alpha1 kinds read by conversion (bosun.api.v1alpha1_convert)."""
CORE_KINDS = ("Secret", "ConfigMap")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a manifest, with where it is."""

    message: str
    path: str = ""  # field path, e.g. spec.declarative.modelConfig
    source: str = ""  # file[#document]
    obj: str = ""  # Kind namespace/name
    warning: bool = False

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.source, self.obj) if p)
        field_part = f"{self.path}: " if self.path else ""
        level = "warning: " if self.warning else ""
        return (
            f"{where}: {level}{field_part}{self.message}"
            if where
            else f"{level}{field_part}{self.message}"
        )


def format_loc(loc: Iterable[int | str]) -> str:
    """('spec', 'tools', 0, 'mcpServer') -> 'spec.tools[0].mcpServer'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def problems_from_validation(
    exc: ValidationError, *, source: str = "", obj: str = ""
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(Problem(message, format_loc(err["loc"]), source, obj))
    return problems


@dataclass(frozen=True)
class CoreObject:
    """A Secret or ConfigMap given with the resources. Secret data is decoded to text."""

    kind: str
    namespace: str
    name: str
    data: dict[str, str]


@dataclass
class ManifestSet:
    """Resources and core objects read from one or more files, with what was wrong."""

    resources: list[AnyResource] = field(default_factory=list)
    core: list[CoreObject] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # v1alpha1 Tools by (namespace, name), and v1alpha1 Agents waiting for them (finish())
    legacy_tools: dict[tuple[str, str], v1alpha1.Tool] = field(default_factory=dict)
    _legacy_agents: list[tuple[v1alpha1.AgentV1Alpha1, str, str]] = field(default_factory=list)

    def add_document(self, doc: Any, source: str) -> None:
        if doc is None:
            return
        if not isinstance(doc, dict):
            self.problems.append(Problem("document is not a mapping", source=source))
            return
        kind = doc.get("kind")
        api_version = str(doc.get("apiVersion", ""))
        raw_meta = doc.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        name = f"{meta.get('namespace', 'default')}/{meta.get('name', '?')}"
        obj = f"{kind} {name}"
        if kind == "List" and isinstance(doc.get("items"), list):
            for i, item in enumerate(doc["items"]):
                self.add_document(item, f"{source}.items[{i}]")
            return
        if kind in CORE_KINDS and api_version == "v1":
            self._add_core(doc, kind, source)
            return
        if api_version == convert.V1ALPHA1 and kind in LEGACY_KINDS:
            self._add_legacy(doc, str(kind), source, obj)
            return
        cls = RESOURCE_KINDS.get(str(kind))
        ours = api_version.split("/", 1)[0] in GROUPS and "/" in api_version
        if cls is None or not api_version.startswith(f"{cls.info.group}/"):
            if ours:
                served = ", ".join(sorted(RESOURCE_KINDS))
                self.problems.append(
                    Problem(
                        f"kind {kind} is not served by Bosun (served: {served})",
                        "kind",
                        source,
                        obj,
                    )
                )
            else:  # not ours: a cluster would accept it, Bosun ignores it
                self.problems.append(
                    Problem(
                        f"ignored: {api_version} {kind} is not a kagent.dev kind",
                        "",
                        source,
                        obj,
                        warning=True,
                    )
                )
            return
        try:
            resource = cls.model_validate(doc)
        except ValidationError as exc:
            self.problems.extend(problems_from_validation(exc, source=source, obj=obj))
            return
        self._add_resource(resource, source, obj)

    def _add_resource(self, resource: AnyResource, source: str, obj: str) -> None:
        if resource.key in self.sources:
            self.problems.append(
                Problem(
                    f"duplicate: also defined in {self.sources[resource.key]}",
                    "metadata.name",
                    source,
                    obj,
                )
            )
            return
        self.sources[resource.key] = source
        self.resources.append(resource)

    def _add_legacy(self, doc: dict[str, Any], kind: str, source: str, obj: str) -> None:
        """A kagent.dev/v1alpha1 Agent, ModelConfig or Tool (Agents wait for finish())."""
        model = LEGACY_KINDS[kind]
        try:
            legacy = model.model_validate(doc)
        except ValidationError as exc:
            self.problems.extend(problems_from_validation(exc, source=source, obj=obj))
            return
        if isinstance(legacy, v1alpha1.Tool):
            # A Tool that maps to a built-in tool needs no word; one that cannot run does.
            for note in convert.tool_notes(legacy)[1]:
                path, _, message = note.partition(": ")
                self.problems.append(Problem(message, path, source, obj, warning=True))
            self.legacy_tools[(legacy.namespace, legacy.name)] = legacy
        elif isinstance(legacy, v1alpha1.AgentV1Alpha1):
            self._legacy_agents.append((legacy, source, obj))
        elif isinstance(legacy, v1alpha1.ModelConfigV1Alpha1):
            self._add_converted(convert.convert_model_config(legacy), source, obj)

    def _add_converted(self, converted: convert.Converted, source: str, obj: str) -> None:
        kind = converted.body["kind"]
        try:
            resource = RESOURCE_KINDS[kind].model_validate(converted.body)
        except ValidationError as exc:
            self.problems.extend(problems_from_validation(exc, source=source, obj=obj))
            return
        for note in converted.notes:
            path, _, message = note.partition(": ")
            self.problems.append(
                Problem(f"not carried over: {message}", path, source, obj, warning=True)
            )
        self._add_resource(resource, source, obj)

    def finish(self) -> ManifestSet:
        """Convert the v1alpha1 Agents, now that every Tool of the set is known."""
        pending, self._legacy_agents = self._legacy_agents, []
        for legacy, source, obj in pending:
            self._add_converted(convert.convert_agent(legacy, self.legacy_tools), source, obj)
        return self

    def _add_core(self, doc: dict[str, Any], kind: str, source: str) -> None:
        meta = doc.get("metadata") or {}
        data: dict[str, str] = {}
        if kind == "Secret":
            for key, value in (doc.get("data") or {}).items():
                try:
                    data[key] = base64.b64decode(str(value)).decode()
                except (ValueError, UnicodeDecodeError):
                    self.problems.append(
                        Problem(
                            "not valid base64 text",
                            f"data.{key}",
                            source,
                            f"Secret {meta.get('name')}",
                        )
                    )
            data.update({k: str(v) for k, v in (doc.get("stringData") or {}).items()})
        else:
            data = {k: str(v) for k, v in (doc.get("data") or {}).items()}
        self.core.append(
            CoreObject(kind, str(meta.get("namespace", "default")), str(meta.get("name", "")), data)
        )

    def of_kind(self, kind: str) -> list[AnyResource]:
        return [r for r in self.resources if r.kind == kind]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def iter_manifest_files(paths: Iterable[Path], *, recursive: bool = False) -> Iterator[Path]:
    """Files named by the user, directories expanded like `kubectl apply -f DIR`."""
    for path in paths:
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            yield from sorted(
                p for p in path.glob(pattern) if p.suffix in MANIFEST_SUFFIXES and p.is_file()
            )
        else:
            yield path


def load_manifests(paths: Iterable[Path], *, recursive: bool = False) -> ManifestSet:
    result = ManifestSet()
    for path in iter_manifest_files(paths, recursive=recursive):
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except FileNotFoundError:
            result.problems.append(Problem("no such file or directory", source=str(path)))
            continue
        except yaml.YAMLError as exc:
            result.problems.append(Problem(f"not valid YAML: {exc}", source=str(path)))
            continue
        for i, doc in enumerate(docs):
            result.add_document(doc, f"{path}#{i}" if len(docs) > 1 else str(path))
    return result.finish()


def load_text(text: str, source: str = "<input>") -> ManifestSet:
    result = ManifestSet()
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        result.problems.append(Problem(f"not valid YAML: {exc}", source=source))
        return result
    for i, doc in enumerate(docs):
        result.add_document(doc, f"{source}#{i}" if len(docs) > 1 else source)
    return result.finish()
