"""Helm tools, with kagent's names and parameters, run through the `helm` binary.

helm_list_releases, helm_get_release, helm_repo_update (read or cache-only), helm_upgrade,
helm_uninstall, helm_repo_add. The binary is $BOSUN_HELM, else `helm` on PATH; it reaches
the cluster as kubectl would ($KUBECONFIG or the pod's service account). Arguments are
passed as an argv list (no shell); a failing command is a tool error carrying helm's own
message. A values document is given inline and written to a private temporary file.
In a namespaced install ($BOSUN_WATCH_NAMESPACES) a release outside those namespaces is
refused with a tool error naming them, and a call without a namespace uses the pod's
own ($POD_NAMESPACE) when it is one of them, else the first.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from bosun.tools.catalog import ADD, ADD_IDEMPOTENT, CHANGE, CHANGE_AGAIN, READ, ToolSpec
from bosun.tools.k8s_client import NamespaceScope
from bosun.tools.k8s_format import cap

TIMEOUT = 300.0  # an upgrade with --wait may take minutes; nothing waits longer
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
Namespace = Annotated[str, Field(description="Namespace of the release.")]


def find_helm() -> str | None:
    return os.environ.get("BOSUN_HELM") or shutil.which("helm")


def _check_name(value: str, what: str) -> None:
    if len(value) > 53 or not _NAME.match(value):
        raise ToolError(f"{what} {value!r} is not valid: lower-case letters, digits, '-' and '.'")


class HelmTools:
    def __init__(self, binary: str | None = None, scope: NamespaceScope | None = None) -> None:
        self.binary = binary or find_helm()
        self.scope = NamespaceScope.from_env() if scope is None else scope

    def _namespace(self, namespace: str | None) -> str | None:
        """The --namespace to pass: the given one if the scope allows it; without one,
        helm's own default, or in a namespaced install the pod's namespace or the first
        allowed one."""
        if namespace:
            return self.scope.check(namespace)
        return self.scope.default(os.environ.get("POD_NAMESPACE")) if self.scope.limited else None

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec("helm_list_releases", self.list_releases, READ),
            ToolSpec("helm_get_release", self.get_release, READ),
            ToolSpec("helm_repo_update", self.repo_update, ADD_IDEMPOTENT),
            ToolSpec("helm_upgrade", self.upgrade, CHANGE_AGAIN),
            ToolSpec("helm_uninstall", self.uninstall, CHANGE),
            ToolSpec("helm_repo_add", self.repo_add, ADD),
        ]

    async def run(self, args: list[str], stdin: str | None = None) -> str:
        if not self.binary:
            raise ToolError(
                "the helm binary is not installed on this tool server (set BOSUN_HELM or put "
                "helm on PATH)"
            )
        try:
            process = await asyncio.create_subprocess_exec(
                self.binary,
                *args,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise ToolError(f"cannot run {self.binary}: {exc}") from None
        try:
            out, err = await asyncio.wait_for(
                process.communicate(stdin.encode() if stdin is not None else None), TIMEOUT
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ToolError(f"helm {args[0]} did not finish within {TIMEOUT:g} s") from None
        if process.returncode != 0:
            message = err.decode(errors="replace").strip() or out.decode(errors="replace").strip()
            raise ToolError(f"helm {' '.join(args[:2])} failed: {message}")
        return cap(out.decode(errors="replace")) or "(no output)"

    async def list_releases(
        self,
        namespace: Annotated[
            str | None, Field(description="Namespace to list releases of.")
        ] = None,
        all_namespaces: Annotated[
            bool, Field(description="List releases of all namespaces.")
        ] = False,
        all: Annotated[bool, Field(description="Show releases in every state.")] = False,
        uninstalled: Annotated[bool, Field(description="Only uninstalled releases.")] = False,
        uninstalling: Annotated[
            bool, Field(description="Only releases being uninstalled.")
        ] = False,
        failed: Annotated[bool, Field(description="Only failed releases.")] = False,
        deployed: Annotated[bool, Field(description="Only deployed releases.")] = False,
        pending: Annotated[bool, Field(description="Only pending releases.")] = False,
        filter: Annotated[
            str | None, Field(description="Regular expression on release names.")
        ] = None,
        output: Annotated[
            Literal["table", "json", "yaml"], Field(description="table, json or yaml.")
        ] = "table",
    ) -> str:
        """List Helm releases (of a namespace, or of all namespaces)."""
        args = ["list"]
        if all_namespaces:
            self.scope.refuse_all_namespaces()
            args.append("--all-namespaces")
        elif ns := self._namespace(namespace):
            args += ["--namespace", ns]
        if all:  # helm 4 has no --all: every state flag together means the same
            uninstalled = uninstalling = failed = deployed = pending = True
            args.append("--superseded")
        flags = {
            "--uninstalled": uninstalled,
            "--uninstalling": uninstalling,
            "--failed": failed,
            "--deployed": deployed,
            "--pending": pending,
        }
        args += [flag for flag, on in flags.items() if on]
        if filter:
            args += ["--filter", filter]
        return await self.run([*args, "--output", output])

    async def get_release(
        self,
        name: Annotated[str, Field(description="Name of the release.")],
        namespace: Namespace,
        resource: Annotated[
            Literal["all", "hooks", "manifest", "notes", "values", "metadata"],
            Field(description="What to get: all, hooks, manifest, notes, values, metadata."),
        ] = "all",
    ) -> str:
        """Get details of a Helm release: its manifest, hooks, notes, values or all."""
        _check_name(name, "release name")
        return await self.run(["get", resource, name, "--namespace", self.scope.check(namespace)])

    async def repo_update(self) -> str:
        """Update the local cache of chart repositories (what charts and versions exist)."""
        return await self.run(["repo", "update"])

    async def upgrade(
        self,
        name: Annotated[str, Field(description="Name of the release.")],
        chart: Annotated[
            str, Field(description="Chart: repo/chart, an oci:// reference or a URL.")
        ],
        namespace: Annotated[str | None, Field(description="Namespace of the release.")] = None,
        version: Annotated[str | None, Field(description="Chart version.")] = None,
        values: Annotated[
            str | None, Field(description="Values as a YAML document (not a file path).")
        ] = None,
        set: Annotated[
            str | None, Field(description="Comma-separated key=value overrides (helm --set).")
        ] = None,
        install: Annotated[
            bool, Field(description="Install if the release does not exist.")
        ] = False,
        dry_run: Annotated[bool, Field(description="Only simulate the upgrade.")] = False,
        wait: Annotated[bool, Field(description="Wait until the resources are ready.")] = False,
    ) -> str:
        """Upgrade (or install) a Helm release."""
        _check_name(name, "release name")
        args = ["upgrade", name, chart]
        if ns := self._namespace(namespace):
            args += ["--namespace", ns]
        if version:
            args += ["--version", version]
        for item in (s.strip() for s in (set or "").split(",")):
            if item:
                args += ["--set", item]
        if install:
            args.append("--install")
        if dry_run:
            args.append("--dry-run=client")  # renders and checks; changes nothing
        if wait:
            args += ["--wait", "--timeout", f"{int(TIMEOUT) - 10}s"]
        if not values:
            return await self.run(args)
        with tempfile.TemporaryDirectory(prefix="bosun-helm-") as tmp:
            path = os.path.join(tmp, "values.yaml")
            # A small local file in a directory private to this user (mode 0700).
            with open(path, "w") as file:  # noqa: ASYNC230
                file.write(values)
            return await self.run([*args, "--values", path])

    async def uninstall(
        self,
        name: Annotated[str, Field(description="Name of the release.")],
        namespace: Namespace,
        dry_run: Annotated[bool, Field(description="Only simulate the uninstall.")] = False,
        wait: Annotated[bool, Field(description="Wait until the resources are gone.")] = False,
    ) -> str:
        """Uninstall a Helm release (deletes its resources)."""
        _check_name(name, "release name")
        args = ["uninstall", name, "--namespace", self.scope.check(namespace)]
        if dry_run:
            args.append("--dry-run")
        if wait:
            args.append("--wait")
        return await self.run(args)

    async def repo_add(
        self,
        name: Annotated[str, Field(description="Name for the repository.")],
        url: Annotated[str, Field(description="URL of the chart repository.")],
        username: Annotated[str | None, Field(description="User name, if it needs one.")] = None,
        password: Annotated[str | None, Field(description="Password, if it needs one.")] = None,
    ) -> str:
        """Add a Helm chart repository."""
        _check_name(name, "repository name")
        if not url.startswith(("https://", "http://", "oci://")):
            raise ToolError("url must start with https://, http:// or oci://")
        args = ["repo", "add", name, url, "--force-update"]
        if username:
            args += ["--username", username]
        if password:  # on stdin, not in the process list
            return await self.run([*args, "--password-stdin"], stdin=password)
        return await self.run(args)
