"""Harness for the built-in tool tests (imported by name: `import conftest` could find
another folder's). `kube`: tests/fakes/kube_emulator served on a 127.0.0.1 port with a
kubeconfig file pointing at it ($KUBECONFIG), recording every request so that tests can
check what the tools sent (a dry run before the write); `http_server`: a one-page HTTP
server. conftest.py registers the fixture."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import kmock
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator


@attrs.define(kw_only=True)
class RecordingEmulator(KubeEmulator):
    """The emulator, keeping (method, path, query) of each request it answers."""

    seen: list[tuple[str, str, dict[str, str]]] = attrs.field(factory=list)

    async def _handle(self, request: Any) -> Any:
        raw = request._raw_request
        if raw is not None:
            self.seen.append((raw.method, raw.path, dict(raw.query)))
        return await super()._handle(request)


@dataclass
class Kube:
    emulator: RecordingEmulator
    url: str
    kubeconfig: Path

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any]:
        return self.emulator.get(resource, namespace, name)

    def exists(self, resource: str, namespace: str | None, name: str) -> bool:
        try:
            self.get(resource, namespace, name)
        except KeyError:
            return False
        return True

    async def create(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        namespace = obj["metadata"].get("namespace")
        async with self.emulator._lock:
            return self.emulator._create(kmock_resource(resource), namespace, obj)


def kmock_resource(resource: str) -> Any:
    from kmock._internal import references

    return references.resource(resource)


def write_kubeconfig(path: Path, server: str, namespace: str = "default") -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server}}],
        "users": [{"name": "test", "user": {"token": "not-a-secret"}}],
        "contexts": [
            {"name": "test", "context": {"cluster": "test", "user": "test", "namespace": namespace}}
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


IN_A_POD = Path("/var/run/secrets/kubernetes.io/serviceaccount/token").exists()


@pytest.fixture
async def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Kube]:
    if IN_A_POD:
        pytest.skip("running inside a pod: the in-cluster configuration takes precedence")
    async with RecordingEmulator() as emulator, kmock.Server(emulator) as server:
        emulator.declare("v1/pods", "Pod")
        emulator.declare("apps/v1/replicasets", "ReplicaSet")
        emulator.declare("apps/v1/statefulsets", "StatefulSet")
        emulator.declare("discovery.k8s.io/v1/endpointslices", "EndpointSlice", status=False)
        emulator.declare("example.com/v1/widgets", "Widget", shortnames=("wdg",), status=False)
        url = str(server.url).rstrip("/")
        path = write_kubeconfig(tmp_path / "kubeconfig", url)
        monkeypatch.setenv("KUBECONFIG", str(path))
        yield Kube(emulator, url, path)


@asynccontextmanager
async def http_server(body: bytes, content_type: str = "text/plain") -> AsyncIterator[int]:
    """A one-page HTTP server on 127.0.0.1; yields its port."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
        writer.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
        writer.write(body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]
