"""Pure rules of governance: role mapping (rbac.py), Host/Origin policy (hosts.py) and
audit redaction (audit.py)."""

from __future__ import annotations

import pytest

from bosun.security.hosts import HostPolicy, host_of
from bosun.server.audit import REDACTED, redact
from bosun.server.auth.base import User
from bosun.server.auth.rbac import Rbac, RbacError


def test_roles_from_users_groups_and_service_accounts() -> None:
    rbac = Rbac.parse(
        '{"admin": ["group:platform"], "editor": {"team-a": ["group:team-a", '
        '"serviceaccount:ci:deployer"]}, "viewer": ["group:*"]}',
        admins=["root"],
    )
    assert rbac.grants(User("x", groups=("platform",))).roles() == ["admin"]
    assert rbac.grants(User("root")).roles() == ["admin"]
    alice = rbac.grants(User("alice", groups=("team-a",)))
    assert alice.can_write("team-a") and not alice.can_write("team-b")
    assert alice.can_read("team-b")  # viewer everywhere through group:*
    ci = rbac.grants(User("system:serviceaccount:ci:deployer", kind="agent", trusted=True))
    assert ci.can_write("team-a")
    acting = rbac.grants(User("alice", kind="agent"))  # an agent acting for alice: reads only
    assert not acting.can_write("team-a") and acting.can_read("team-a")


def test_defaults_are_safe_and_bad_mappings_fail_early() -> None:
    default = Rbac.parse(None, admins=["group:ops"])
    assert default.grants(User("bob")).roles() == ["viewer:*"]
    assert not default.grants(User("bob")).can_write("default")
    assert default.grants(User("o", groups=("ops",))).admin
    assert Rbac(everyone_admin=True).grants(User("anyone")).admin
    strict = Rbac.parse('{"viewer": {"team-a": ["bob"]}}')
    assert not strict.grants(User("carol")).can_read("team-a")
    for bad in (
        '{"owner": []}',
        '{"admin": "x"}',
        "{not json",
        '{"editor": {"a": ["serviceaccount:x"]}}',
    ):
        with pytest.raises(RbacError):
            Rbac.parse(bad)


def test_host_policy() -> None:
    assert host_of("[::1]:8080") == "::1" and host_of("Example.COM:80") == "example.com"
    local = HostPolicy.for_bind("127.0.0.1", allowed_hosts="", allowed_origins="")
    assert local.host_allowed("localhost:8083") and local.host_allowed("127.0.0.1")
    assert local.host_allowed("192.168.1.5:80")
    assert not local.host_allowed("evil.example") and not local.host_allowed(None)
    assert not local.host_allowed("svc.ns.svc.cluster.local")
    assert local.origin_allowed(None, "localhost") and local.origin_allowed(
        "http://[::1]:3000", "x"
    )
    assert not local.origin_allowed("null", "localhost")
    assert local.origin_allowed("https://bosun.example:8443", "bosun.example:8443")  # same origin
    extra = HostPolicy.for_bind("127.0.0.1", allowed_hosts='["*.corp.example"]',
                                allowed_origins="*")  # fmt: skip
    assert extra.host_allowed("bosun.corp.example") and not extra.host_allowed("corp.example.evil")
    assert extra.origin_allowed("https://anything.example", "x")
    anything = HostPolicy.for_bind("127.0.0.1", allowed_hosts="*")
    assert anything.host_allowed("whatever.example")


def test_redaction() -> None:
    value = {
        "apiKey": "sk-1",
        "headers": {"Authorization": "Bearer x", "x-api-key": "k"},
        "input_tokens": 5,
        "items": [{"password": "p", "name": "n"}],
        "text": "a" * 5000,
    }
    out = redact(value)
    assert out["apiKey"] == REDACTED and out["headers"]["Authorization"] == REDACTED
    assert out["headers"]["x-api-key"] == REDACTED and out["input_tokens"] == 5
    assert out["items"][0] == {"password": REDACTED, "name": "n"}
    assert len(out["text"]) < 5000
