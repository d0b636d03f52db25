"""`bosun apply`, `get`, `describe`, `delete`, `logs`: kubectl-like commands over the REST API.

Registered by bosun.cli.main. They talk to a control plane (`bosun up` locally, or a
cluster's `bosun controlplane`) at --server (default http://127.0.0.1:8083, env
BOSUN_SERVER) with an optional bearer --token (env BOSUN_TOKEN); they never touch the
database or the cluster directly, so they work the same against both modes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

SERVER_HELP = "Control plane URL (env BOSUN_SERVER; default http://127.0.0.1:8083)."
TOKEN_HELP = "Bearer token for the control plane (env BOSUN_TOKEN)."
KINDS_HELP = (
    "agents, agentteams, modelconfigs, remotemcpservers, mcpservers, tools, policies, "
    "secrets, configmaps"
)


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)
    app.command("get")(get)
    app.command("describe")(describe)
    app.command("delete")(delete)
    app.command("logs")(logs)


def _fail(message: str, details: list[str] | None = None) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    for line in details or []:
        typer.echo(f"  {line}", err=True)
    return typer.Exit(1)


def _kind(text: str) -> str:
    from bosun.cli.restclient import resolve_kind

    kind = resolve_kind(text)
    if kind is None:
        raise _fail(f"unknown resource type {text!r} (one of: {KINDS_HELP})")
    return kind


def _bodies(files: list[Path], recursive: bool, *, applying: bool = False) -> list[dict[str, Any]]:
    """Objects of the files in wire form; exits on any problem (warnings are printed)."""
    from bosun.api.manifests import load_manifests

    manifests = load_manifests(files, recursive=recursive)
    for problem in manifests.problems:
        typer.echo(str(problem), err=True)
    if manifests.errors:
        raise _fail(f"{len(manifests.errors)} problem(s) in the manifests; nothing applied")
    bodies = manifest_bodies(manifests)
    if applying and _names_tools_elsewhere(bodies, set(manifests.legacy_tools)):
        typer.echo(
            "note: Tools not in these files are looked up in the control plane: "
            "an Agent gets the stored Tools it names (see its Accepted message)",
            err=True,
        )
    return bodies


def _names_tools_elsewhere(bodies: list[dict[str, Any]], here: set[tuple[str, str]]) -> bool:
    """Does a v1alpha1 Agent of `bodies` name a Tool that the files do not hold?"""
    from bosun.api.v1alpha1_resolve import tool_refs_of

    return any(tool_refs_of(str(b.get("kind")), b) - here for b in bodies)


def manifest_bodies(manifests: Any) -> list[dict[str, Any]]:
    """Wire bodies of a ManifestSet: resources as given (v1alpha1 Tools too: the control
    plane stores them and resolves the Agents naming them), Secrets with stringData."""
    bodies = [r.to_wire() for r in manifests.resources]
    bodies += [tool.to_wire() for tool in manifests.legacy_tools.values()]
    for core in manifests.core:
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": core.kind,
            "metadata": {"name": core.name, "namespace": core.namespace},
        }
        body["stringData" if core.kind == "Secret" else "data"] = dict(core.data)
        bodies.append(body)
    return bodies


def _label(body: dict[str, Any]) -> str:
    """kubectl's `kind.group/name` (`agent.kagent.dev/helper`, `secret/key`)."""
    kind = str(body.get("kind", "")).lower()
    group = str(body.get("apiVersion", "")).rpartition("/")[0]  # "" for core v1
    return f"{kind}{'.' + group if group else ''}/{(body.get('metadata') or {}).get('name')}"


def apply_bodies(client: Any, bodies: list[dict[str, Any]], *, echo: bool = True) -> list[str]:
    """Apply in dependency order, retrying refusals once others are in; returns failures."""
    from bosun.cli.restclient import ApiError, apply_order

    pending = apply_order(bodies)
    failures: dict[int, str] = {}
    while pending:
        retry: list[dict[str, Any]] = []
        for body in pending:
            try:
                created, _ = client.apply(body)
            except ApiError as exc:
                failures[id(body)] = f"{_label(body)}: {exc}"
                if exc.status == 422:
                    retry.append(body)  # may reference something applied later in this run
                continue
            failures.pop(id(body), None)
            if echo:
                typer.echo(f"{_label(body)} {'created' if created else 'configured'}")
        if len(retry) == len(pending):
            break  # no progress: these fail for good
        pending = retry
    return list(failures.values())


def apply(
    files: list[Path] = typer.Option(..., "--filename", "-f", help="File or directory."),
    recursive: bool = typer.Option(False, "--recursive", "-R", help="Descend into folders."),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """Create or update the objects of manifest files (like kubectl apply -f)."""
    from bosun.cli.restclient import ApiError, ControlPlane

    bodies = _bodies(files, recursive, applying=True)
    with ControlPlane(server, token) as client:
        try:
            failures = apply_bodies(client, bodies)
        except ApiError as exc:
            raise _fail(str(exc)) from None
    if failures:
        raise _fail(f"{len(failures)} object(s) not applied:", failures)


def get(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    name: str | None = typer.Argument(None),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    all_namespaces: bool = typer.Option(False, "--all-namespaces", "-A"),
    output: str | None = typer.Option(None, "--output", "-o", help="yaml, json or name."),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """List objects (READY, ACCEPTED, AGE ...) or show one, like kubectl get."""
    from bosun.cli.restclient import ApiError, ControlPlane
    from bosun.cli.tables import as_list, resource_table, to_yaml

    resolved = _kind(kind)
    if output not in (None, "yaml", "json", "name", "wide"):
        raise _fail(f"unknown output format {output!r} (yaml, json, name)")
    with ControlPlane(server, token) as client:
        try:
            if name:
                items = [client.get(resolved, namespace, name)]
            else:
                items = client.list(resolved, None if all_namespaces else namespace)
        except ApiError as exc:
            raise _fail(str(exc)) from None
    if output == "json":
        typer.echo(json.dumps(items[0] if name else as_list(items), indent=2))
    elif output == "yaml":
        typer.echo(to_yaml(items[0] if name else as_list(items)).rstrip())
    elif output == "name":
        for item in items:
            typer.echo(_label(item))
    elif not items:
        where = "any namespace" if all_namespaces else f"namespace {namespace}"
        typer.echo(f"No {resolved} objects found in {where}.", err=True)
    else:
        typer.echo(resource_table(resolved, items, all_namespaces=all_namespaces and not name))


def describe(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    name: str = typer.Argument(...),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """Show one object in detail: spec, status conditions with reasons and messages."""
    from bosun.cli.restclient import ApiError, ControlPlane
    from bosun.cli.tables import describe as render

    resolved = _kind(kind)
    with ControlPlane(server, token) as client:
        try:
            obj = client.get(resolved, namespace, name)
        except ApiError as exc:
            raise _fail(str(exc)) from None
    typer.echo(render(obj))


def delete(
    kind: str | None = typer.Argument(None, help=KINDS_HELP),
    names: list[str] | None = typer.Argument(None),
    files: list[Path] | None = typer.Option(None, "--filename", "-f", help="File or directory."),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """Delete objects by kind and name, or those of manifest files (-f)."""
    from bosun.cli.restclient import ApiError, ControlPlane, apply_order

    targets: list[tuple[str, str, str]] = []
    if files:
        for body in reversed(apply_order(_bodies(files, False))):  # dependants first
            meta = body.get("metadata") or {}
            targets.append((str(body["kind"]), meta.get("namespace") or "default", meta["name"]))
    elif kind and names:
        resolved = _kind(kind)
        targets = [(resolved, namespace, n) for n in names]
    else:
        raise _fail("give KIND NAME... or -f FILE")
    failed = 0
    with ControlPlane(server, token) as client:
        for target_kind, ns, name in targets:
            label = _label({"kind": target_kind, "apiVersion": "", "metadata": {"name": name}})
            if target_kind in ("Secret", "ConfigMap"):
                label = f"{target_kind.lower()}/{name}"
            try:
                client.delete(target_kind, ns, name)
            except ApiError as exc:
                failed += 1
                typer.echo(f"error: {label}: {exc}", err=True)
                continue
            typer.echo(f"{label} deleted")
    if failed:
        raise typer.Exit(1)


def logs(
    target: str = typer.Argument(..., help="agent/NAME, mcpserver/NAME, or NAME (an agent)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    tail: int | None = typer.Option(None, "--tail", help="Only the last N lines."),
    namespace: str = typer.Option("default", "--namespace", "-n"),
    server: str | None = typer.Option(None, "--server", "-s", help=SERVER_HELP),
    token: str | None = typer.Option(None, "--token", help=TOKEN_HELP),
) -> None:
    """Print a workload's log (local mode: what `bosun up` captured from the process)."""
    import sys

    from bosun.cli.restclient import ApiError, ControlPlane

    kind_text, _, name = target.rpartition("/")
    kind = _kind(kind_text) if kind_text else "Agent"
    if kind not in ("Agent", "MCPServer"):
        raise _fail(f"{kind} has no logs: use agent/NAME or mcpserver/NAME")
    with ControlPlane(server, token) as client:
        try:
            for chunk in client.stream_logs(kind, namespace, name, follow=follow, tail=tail):
                sys.stdout.write(chunk)
                sys.stdout.flush()
        except ApiError as exc:
            if exc.status == 404 and "no log for" not in exc.message:  # not a `bosun up`
                hint = f"kubectl logs deploy/{name} -n {namespace}"
                message = f"{client.server} serves no workload logs (cluster mode?): {hint}"
                raise _fail(message) from None
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            pass
