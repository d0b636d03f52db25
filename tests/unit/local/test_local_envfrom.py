"""A container's env resolved from local Secrets/ConfigMaps as the kubelet would."""

from __future__ import annotations

from collections.abc import Mapping

from bosun.controller.local.envfrom import expand, resolve_env

DATA: dict[tuple[str, str, str], dict[str, str]] = {
    ("Secret", "ns", "keys"): {"api-key": "sk-1", "other": "x"},
    ("ConfigMap", "ns", "settings"): {"LEVEL": "debug", "MODE": "fast"},
}


def lookup(kind: str, namespace: str, name: str) -> Mapping[str, str] | None:
    return DATA.get((kind, namespace, name))


def test_secret_and_config_map_refs_are_resolved_with_literals_and_expansion() -> None:
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}],
        "env": [
            {"name": "A", "value": "plain"},
            {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "api-key"}}},
            {"name": "B", "value": "$(A)-$(APP_LEVEL)-$$(A)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
    }
    env, problems = resolve_env(container, namespace="ns", pod_name="agent-x", lookup=lookup)
    assert problems == []
    assert env == {
        "APP_LEVEL": "debug",
        "APP_MODE": "fast",
        "A": "plain",
        "KEY": "sk-1",
        "B": "plain-debug-$(A)",
        "POD": "agent-x",
    }


def test_missing_secret_or_key_is_a_problem_unless_optional() -> None:
    container = {
        "env": [
            {"name": "K1", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}},
            {"name": "K2", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "missing"}}},
            {
                "name": "K3",
                "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k", "optional": True}},
            },
        ]
    }
    env, problems = resolve_env(container, namespace="ns", pod_name="p", lookup=lookup)
    assert env == {}
    assert problems == [
        "env K1: Secret ns/nope not found",
        "env K2: Secret ns/keys has no key 'missing'",
    ]


def test_expand_leaves_unknown_references() -> None:
    assert expand("$(NOPE)/$(X)", {"X": "1"}) == "$(NOPE)/1"
