"""`bosun install`, `uninstall`, `dashboard` and `bug-report`: Bosun in a Kubernetes cluster.

`install` wraps the `helm` binary (the CRDs chart first, then the control plane chart) and
waits, with progress, until the control plane Deployment is Ready; `dashboard` port-forwards
to the control plane's Service with kubectl and opens the UI; `bug-report` (cluster_report.py)
packs statuses, events, logs and versions, secrets redacted. The charts come from this
source tree's charts/ when there is one, else from the OCI registry the release workflow
publishes them to, at this version. Registered by bosun.cli.main; lightkube and rich are
imported inside the commands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from lightkube import Client

DEFAULT_NAMESPACE = "bosun-system"
DEFAULT_RELEASE = "bosun"
CRDS_RELEASE = "bosun-crds"
OCI_CHARTS = "oci://ghcr.io/bosun-dev/charts"
CONTROLPLANE = "app.kubernetes.io/component=controlplane"
# Waiting reasons that will not go away by waiting longer.
STUCK = {
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
}


class ClusterError(Exception):
    """A failure the user can act on; printed without a traceback."""


def register(app: typer.Typer) -> None:
    app.command("install")(install)
    app.command("uninstall")(uninstall)
    app.command("dashboard")(dashboard)
    app.command("bug-report")(bug_report)


NAMESPACE = typer.Option(DEFAULT_NAMESPACE, "--namespace", "-n", help="Release namespace.")
RELEASE = typer.Option(DEFAULT_RELEASE, "--release", help="Helm release name.")
CONTEXT = typer.Option(None, "--context", help="kubeconfig context (default: the current).")


def install(
    namespace: str = NAMESPACE,
    release: str = RELEASE,
    context: str | None = CONTEXT,
    values: list[Path] = typer.Option([], "--values", "-f", help="Values file (repeatable)."),
    sets: list[str] = typer.Option([], "--set", help="KEY=VALUE for helm (repeatable)."),
    charts: str | None = typer.Option(
        None, help="Directory holding bosun-crds/ and bosun/, or an oci:// prefix."
    ),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the control plane."),
    timeout: float = typer.Option(300, help="Seconds to wait for the control plane."),
) -> None:
    """Install or upgrade Bosun in the current cluster (helm) and wait until it is Ready.

    The CRDs chart first, then the control plane chart; then it waits for the control
    plane Deployment and prints how to open the UI.
    """
    try:
        helm = find_helm()
        client = kube_client(context)
        crds, main, version = chart_refs(charts)
        common = ["--namespace", namespace, *(["--kube-context", context] if context else [])]
        typer.echo(f"Installing the CRDs ({crds}) ...", err=True)
        crds_args = [CRDS_RELEASE, crds, *version, *common, "--create-namespace", "--wait"]
        run_helm([helm, "upgrade", "--install", *crds_args])
        extra = [a for v in values for a in ("--values", str(v))]
        extra += [a for s in sets for a in ("--set", s)]
        token_secret = None
        if not _configures_auth(values, sets):
            token_secret = ensure_admin_token(client, namespace, release)
            extra += ["--set", f"auth.tokenSecret={token_secret}", "--set", "auth.admins={admin}"]
        typer.echo(f"Installing the control plane ({main}) as {release!r} ...", err=True)
        run_helm([helm, "upgrade", "--install", release, main, *version, *common, *extra])
        if not wait:
            typer.echo(f"Installed; not waiting. Then: bosun dashboard -n {namespace}")
            return
        deployment = wait_ready(client, namespace, release, timeout)
        service = find_service(client, namespace, release)
    except ClusterError as exc:
        typer.echo(f"bosun install: {exc}", err=True)
        raise typer.Exit(1) from None
    ready = (deployment.get("status") or {}).get("readyReplicas", 0)
    name, port = service
    typer.echo(f"Bosun is ready in namespace {namespace} ({ready} control plane replicas).")
    typer.echo("Open the UI:")
    typer.echo(f"  bosun dashboard -n {namespace}")
    typer.echo(f"  or: kubectl -n {namespace} port-forward svc/{name} {port}:{port}")
    typer.echo(f"      then http://127.0.0.1:{port}/")
    if token_secret:
        typer.echo("Log in with the admin token Bosun created (Secret, key tokens.csv):")
        typer.echo(
            f"  kubectl -n {namespace} get secret {token_secret} "
            "-o jsonpath='{.data.tokens\\.csv}' | base64 -d | cut -d, -f1"
        )


def uninstall(
    namespace: str = NAMESPACE,
    release: str = RELEASE,
    context: str | None = CONTEXT,
    crds: bool = typer.Option(
        False, "--crds", help="Also remove the CRDs: deletes every Agent, ModelConfig, ..."
    ),
) -> None:
    """Remove the control plane release (and with --crds the CRDs and all Bosun resources)."""
    try:
        helm = find_helm()
        kube_client(context)
        common = ["--namespace", namespace, *(["--kube-context", context] if context else [])]
        run_helm([helm, "uninstall", release, *common, "--wait"])
        if crds:
            run_helm([helm, "uninstall", CRDS_RELEASE, *common, "--wait"])
    except ClusterError as exc:
        typer.echo(f"bosun uninstall: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Removed release {release!r} from {namespace}.")
    if not crds:
        typer.echo(
            "The CRDs and your Agents stay; `bosun uninstall --crds` removes them too.", err=True
        )


def dashboard(
    namespace: str = NAMESPACE,
    release: str = RELEASE,
    context: str | None = CONTEXT,
    port: int = typer.Option(8083, help="Local port (0: any free port)."),
    open_browser: bool = typer.Option(True, "--open/--no-open", help="Open a browser."),
) -> None:
    """Port-forward to the control plane's Service (kubectl) and open the UI."""
    from bosun.cli.cluster_forward import port_forward

    try:
        client = kube_client(context)
        name, remote = find_service(client, namespace, release)
        port_forward(namespace, name, remote, port, context, open_browser)
    except ClusterError as exc:
        typer.echo(f"bosun dashboard: {exc}", err=True)
        raise typer.Exit(1) from None


def bug_report(
    namespace: str = NAMESPACE,
    release: str = RELEASE,
    context: str | None = CONTEXT,
    output: Path | None = typer.Option(None, "--output", "-o", help="Archive path (.tar.gz)."),
    log_lines: int = typer.Option(2000, help="Lines of log per container."),
) -> None:
    """Pack statuses, events, logs, versions and helm values into a tar.gz (secrets redacted).

    Prints the archive's path; attach it to an issue.
    """
    from bosun.cli.cluster_report import collect

    try:
        client = kube_client(context)
        helm = os.environ.get("HELM") or shutil.which("helm")
        path = collect(client, namespace, release, helm, context, output, log_lines)
    except ClusterError as exc:
        typer.echo(f"bosun bug-report: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(str(path))


# --- helpers (also used by cluster_report and cluster_forward) --------------------------


def _configures_auth(values: list[Path], sets: list[str]) -> bool:
    """Whether the user chose the chart's auth settings (then Bosun leaves them alone)."""
    import yaml

    if any(s.split("=", 1)[0].startswith("auth.") for s in sets):
        return True
    for path in values:
        try:
            loaded = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise ClusterError(f"{path}: cannot read the values file: {exc}") from None
        if isinstance(loaded, dict) and "auth" in loaded:
            return True
    return False


def ensure_admin_token(client: Client, namespace: str, release: str) -> str:
    """A first admin token for the chart's default token auth, made once and kept.

    Without it a default install would refuse to start (token mode needs a token file).
    The token is generated here and stored only in the Secret; it is never printed.
    """
    import secrets

    from lightkube import ApiError
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import Secret

    name = f"{release}-tokens"
    token = secrets.token_urlsafe(32)
    body = Secret(
        metadata=ObjectMeta(
            name=name,
            namespace=namespace,
            labels={"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "bosun"},
        ),
        stringData={"tokens.csv": f'{token},admin,admin,"bosun:admins"\n'},
    )
    try:
        client.create(body)
    except ApiError as exc:
        if exc.status.code != 409:  # an existing Secret (an upgrade) is kept as it is
            raise ClusterError(f"cannot create the Secret {namespace}/{name}: {exc}") from None
    return name


def find_helm() -> str:
    helm = os.environ.get("HELM") or shutil.which("helm")
    if not helm:
        raise ClusterError(
            "helm not found: install Helm 3.8 or newer (https://helm.sh/docs/intro/install/) "
            "or point $HELM at it"
        )
    return helm


def kube_client(context: str | None) -> Client:
    """A lightkube client for the current (or named) kubeconfig context, checked to exist."""
    import httpx2
    from lightkube import Client, ConfigError, KubeConfig

    # kubectl's order: $KUBECONFIG (its first file), ~/.kube/config, then in-cluster.
    files = [f for f in os.environ.get("KUBECONFIG", "").split(os.pathsep) if f]
    files.append(os.path.expanduser("~/.kube/config"))
    try:
        path = next((f for f in files if os.path.isfile(f)), None)
        config = KubeConfig.from_file(path) if path else KubeConfig.from_service_account()
        single = config.get(context_name=context)
    except (ConfigError, OSError, KeyError, ValueError) as exc:
        where = os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise ClusterError(
            f"no Kubernetes context{f' {context!r}' if context else ''} ({where}: {exc}); "
            "set KUBECONFIG or run `kubectl config use-context NAME`"
        ) from None
    if single is None:
        raise ClusterError(
            "no current Kubernetes context: run `kubectl config use-context NAME` or pass --context"
        )
    return Client(config=single, timeout=httpx2.Timeout(10.0))


def chart_refs(charts: str | None) -> tuple[str, str, list[str]]:
    """(CRDs chart, control plane chart, helm version arguments)."""
    from bosun import __version__

    if charts is None:
        source = Path(__file__).resolve().parents[3] / "charts"  # a source checkout
        charts = str(source) if (source / "bosun" / "Chart.yaml").is_file() else OCI_CHARTS
    if charts.startswith("oci://"):
        prefix = charts.rstrip("/")
        return f"{prefix}/bosun-crds", f"{prefix}/bosun", ["--version", __version__]
    root = Path(charts)
    for name in ("bosun-crds", "bosun"):
        if not (root / name / "Chart.yaml").is_file():
            raise ClusterError(f"{root / name}: no Chart.yaml (--charts names the charts/ dir)")
    return str(root / "bosun-crds"), str(root / "bosun"), []


def run_helm(args: list[str]) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterError(f"{args[0]}: {exc}") from None
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise ClusterError(f"helm {args[1]} failed: {message}")
    return result.stdout


def _list(client: Client, kind: str, namespace: str, labels: dict[str, str]) -> list[Any]:
    from lightkube import ApiError
    from lightkube.resources.apps_v1 import Deployment
    from lightkube.resources.core_v1 import Pod, Service

    resource: Any = {"Deployment": Deployment, "Service": Service, "Pod": Pod}[kind]
    selector: dict[str, Any] = dict(labels)
    try:
        return list(client.list(resource, namespace=namespace, labels=selector))
    except ApiError as exc:
        raise ClusterError(f"listing {kind}s in {namespace}: {exc.status.message}") from None
    except Exception as exc:  # httpx errors: the API server is not reachable
        raise ClusterError(f"the Kubernetes API is not reachable: {exc}") from None


def _selector(release: str) -> dict[str, str]:
    return {"app.kubernetes.io/instance": release, "app.kubernetes.io/component": "controlplane"}


def find_service(client: Client, namespace: str, release: str) -> tuple[str, int]:
    services = _list(client, "Service", namespace, _selector(release))
    if not services:
        raise ClusterError(
            f"no Bosun control plane Service for release {release!r} in {namespace} "
            f"(installed? `bosun install -n {namespace}`)"
        )
    svc = services[0]
    return svc.metadata.name, int(svc.spec.ports[0].port)


def _progress(deployment: Any, pods: list[Any]) -> tuple[bool, str]:
    spec_replicas = deployment.spec.replicas if deployment.spec.replicas is not None else 1
    status = deployment.status
    ready = (status.readyReplicas or 0) if status else 0
    updated = (status.updatedReplicas or 0) if status else 0
    observed = (status.observedGeneration or 0) if status else 0
    done = (
        observed >= (deployment.metadata.generation or 0)
        and updated >= spec_replicas
        and ready >= spec_replicas
    )
    reasons = sorted(
        {
            f"{cs.state.waiting.reason}: {cs.state.waiting.message or ''}".strip(": ")
            for pod in pods
            for cs in (pod.status.containerStatuses or [] if pod.status else [])
            if cs.state and cs.state.waiting and cs.state.waiting.reason in STUCK
        }
    )
    line = f"control plane {ready}/{spec_replicas} ready"
    return done, line + (f" ({'; '.join(reasons)})" if reasons else "")


def wait_ready(client: Client, namespace: str, release: str, timeout: float) -> dict[str, Any]:
    """Poll the control plane Deployment until every replica is updated and Ready."""
    from rich.console import Console

    console = Console(stderr=True)
    deadline = time.monotonic() + timeout
    line = "waiting for the control plane Deployment"
    with console.status(line) as status:
        while True:
            deployments = _list(client, "Deployment", namespace, _selector(release))
            if deployments:
                try:  # only to name a stuck reason (ImagePullBackOff ...): best effort
                    pods = _list(client, "Pod", namespace, _selector(release))
                except ClusterError:
                    pods = []
                done, new_line = _progress(deployments[0], pods)
                if new_line != line:
                    console.print(f"  {new_line}", highlight=False)
                    line = new_line
                if done:
                    return deployments[0].to_dict()  # type: ignore[no-any-return]
            status.update(line)
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"the control plane is not Ready after {timeout:.0f} s ({line}); see "
                    f"`kubectl -n {namespace} describe deployment -l {CONTROLPLANE}` "
                    f"or `bosun bug-report -n {namespace}`"
                )
            time.sleep(1.0)
