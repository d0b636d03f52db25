"""Fixtures for `bosun install`/`bug-report` tests: an emulated cluster behind a kubeconfig,
and a fake `helm` on PATH that records its arguments (helm is the edge these commands
wrap; the charts themselves are rendered by the real helm in tests/unit/charts).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import kmock
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator, declare_kagent_kinds

FAKE_HELM = """#!{python}
import json, os, sys
with open({log!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
if args[:1] == ["version"]:
    print("v3.99.0+fake")
elif args[:2] == ["get", "values"]:
    sys.stdout.write(open({values!r}).read())
elif args[:1] == ["status"]:
    print("NAME: bosun\\nSTATUS: deployed")
fail = os.environ.get("FAKE_HELM_FAIL")
if fail and fail in args:
    print("Error: INSTALLATION FAILED: fake failure", file=sys.stderr)
    sys.exit(1)
"""


@dataclass
class Kube:
    emulator: KubeEmulator
    url: str
    env: dict[str, str]  # KUBECONFIG and PATH (fake helm first) for CliRunner.invoke
    helm_log: Path
    helm_values: Path

    def helm_calls(self) -> list[list[str]]:
        if not self.helm_log.exists():
            return []
        return [json.loads(line) for line in self.helm_log.read_text().splitlines()]

    async def apply(self, obj: dict[str, Any], status: dict[str, Any] | None = None) -> None:
        """Create or update `obj` over HTTP as a user would; `status` as its controller would."""
        group, _, version = obj["apiVersion"].rpartition("/")
        plural = obj["kind"].lower() + "s"
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        collection = f"{self.url}{prefix}/namespaces/{ns}/{plural}"
        async with httpx.AsyncClient() as http:
            response = await http.post(collection, json=obj)
            if response.status_code == 409:
                response = await http.patch(
                    f"{collection}/{name}",
                    content=json.dumps(obj),
                    headers={"Content-Type": "application/merge-patch+json"},
                )
            response.raise_for_status()
        if status is not None:
            resource = f"{group}/{version}/{plural}" if group else f"{version}/{plural}"
            await self.emulator.patch_status(resource, ns, name, status)


@pytest.fixture
async def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Kube]:
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        declare_kagent_kinds(emulator)
        emulator.declare("v1/pods", "Pod", status=True)
        url = str(server.url).rstrip("/")
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "emu", "cluster": {"server": url}}],
                    "users": [{"name": "u", "user": {"token": "t"}}],
                    "contexts": [{"name": "emu", "context": {"cluster": "emu", "user": "u"}}],
                    "current-context": "emu",
                }
            )
        )
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        log, values = tmp_path / "helm.log", tmp_path / "helm-values.yaml"
        values.write_text("{}\n")
        helm = bin_dir / "helm"
        helm.write_text(FAKE_HELM.format(python=sys.executable, log=str(log), values=str(values)))
        helm.chmod(0o755)
        monkeypatch.delenv("HELM", raising=False)
        env = {
            "KUBECONFIG": str(kubeconfig),
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "HELM": "",
        }
        yield Kube(emulator, url, env, log, values)
