"""Building blocks shared by every resource model: wire naming, metadata, conditions.

Field names on the wire are exactly kagent's (camelCase). Python attributes are snake_case;
aliases come from `to_camel` unless a field sets its own (kagent spells some oddly:
`openAI`, `projectID`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

GROUP = "kagent.dev"

DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


class WireModel(BaseModel):
    """A part of a resource: camelCase on the wire, unknown fields rejected.

    Unknown fields are rejected (not ignored) because a typo in a manifest that silently
    does nothing is the kind of error kagent users complained about.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        use_enum_values=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The object as it appears in YAML: camelCase, without unset optional fields."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


@dataclass(frozen=True)
class CelRule:
    """A cross-field rule, written once for both the CRD (as CEL) and for Python.

    `rule` is the CEL expression the API server evaluates; `message` is what both the API
    server and Bosun's Python validation print. The Python side of each rule lives in a
    model validator that raises with the same message; a unit test checks that every
    declared rule is exercised by both.
    """

    rule: str
    message: str

    def schema(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message}


def cel(*rules: CelRule) -> dict[str, Any]:
    """`json_schema_extra` that carries CEL rules into the generated CRD."""
    return {"x-kubernetes-validations": [r.schema() for r in rules]}


def cel_config(*rules: CelRule) -> ConfigDict:
    """`WireModel`'s model_config plus CEL rules: what a model with cross-field rules sets.

    Each model that declares rules writes `model_config = cel_config(RULE, ...)` and checks
    the same rules in its own `model_validator`.
    """
    config: ConfigDict = WireModel.model_config | {"json_schema_extra": cel(*rules)}
    return config


PRESERVE_UNKNOWN: dict[str, Any] = {"x-kubernetes-preserve-unknown-fields": True}
"""Schema marker for Kubernetes core types we pass through unchanged (affinity, volumes ...).

We do not re-model the whole core/v1 API: the API server validates these when it creates
the Deployment, and `bosun render` shows the result.
"""


class OwnerReference(WireModel):
    model_config = ConfigDict(extra="allow")
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(WireModel):
    """The subset of metadata Bosun reads; anything else is kept as is."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=253, pattern=DNS1123_SUBDOMAIN)
    namespace: str = Field(default="default", max_length=63, pattern=DNS1123_LABEL)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    owner_references: list[OwnerReference] | None = None


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(WireModel):
    """metav1.Condition."""

    model_config = ConfigDict(extra="allow")
    type: str
    status: ConditionStatus
    reason: str = ""
    message: str = ""
    last_transition_time: str | None = None
    observed_generation: int | None = None


class ResourceStatus(WireModel):
    model_config = ConfigDict(extra="allow")
    observed_generation: int | None = None
    conditions: list[Condition] = Field(default_factory=list)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def is_true(self, type_: str) -> bool:
        found = self.condition(type_)
        return found is not None and found.status == "True"


SpecT = TypeVar("SpecT", bound=WireModel)
StatusT = TypeVar("StatusT", bound=ResourceStatus)


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0


def status_columns(*conditions: str) -> tuple[PrinterColumn, ...]:
    """The columns every kind's `kubectl get` ends with: a condition's status each, then Age.

    Called by each kind's `KindInfo`, e.g. `status_columns("Ready", "Accepted")`.
    """
    return (
        *(PrinterColumn(c, f'.status.conditions[?(@.type=="{c}")].status') for c in conditions),
        PrinterColumn("Age", ".metadata.creationTimestamp", type="date"),
    )


@dataclass(frozen=True)
class KindInfo:
    """What the CRD generator and the CLI need to know about a served kind."""

    kind: str
    version: str
    plural: str
    short_names: tuple[str, ...] = ()
    printer_columns: tuple[PrinterColumn, ...] = ()
    description: str = ""
    group: str = GROUP
    categories: tuple[str, ...] = ("kagent",)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def singular(self) -> str:
        return self.kind.lower()


class Resource(BaseModel, Generic[SpecT, StatusT]):
    """A namespaced custom resource: apiVersion, kind, metadata, spec, status."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    info: ClassVar[KindInfo]

    api_version: str = Field(alias="apiVersion")
    kind: str
    metadata: ObjectMeta
    spec: SpecT
    status: StatusT | None = None

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace

    @property
    def key(self) -> tuple[str, str, str]:
        """(kind, namespace, name): how resources refer to each other within a set."""
        return (self.kind, self.metadata.namespace, self.metadata.name)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    @model_validator(mode="after")
    def _type_meta_matches(self) -> Resource[SpecT, StatusT]:
        _check_type_meta(self)
        return self


def _check_type_meta(resource: Resource[Any, Any]) -> None:
    info = getattr(type(resource), "info", None)
    if info is None:
        return
    if resource.api_version != info.api_version:
        raise ValueError(
            f"apiVersion: {info.kind} is served as {info.api_version}, got {resource.api_version}"
        )
    if resource.kind != info.kind:
        raise ValueError(f"kind: expected {info.kind}, got {resource.kind}")
