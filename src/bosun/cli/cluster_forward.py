"""`bosun dashboard`'s port-forward: kubectl port-forward to the control plane Service.

lightkube (1.0) has no port-forward, so this needs kubectl on PATH (or $KUBECTL). It waits
until the local port accepts connections, prints the URL, opens a browser unless told not
to, and keeps forwarding until Ctrl-C; kubectl's own error is shown if it exits first.
Called by bosun.cli.cluster.dashboard.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time

import typer

from bosun.cli.cluster import ClusterError

START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def port_forward(
    namespace: str, service: str, remote: int, local: int, context: str | None, browse: bool
) -> None:
    kubectl = os.environ.get("KUBECTL") or shutil.which("kubectl")
    if not kubectl:
        raise ClusterError(
            "kubectl not found (needed for the port-forward): install it, or set $KUBECTL"
        )
    local = local or _free_port()
    args = [kubectl, "port-forward", "--namespace", namespace, f"svc/{service}"]
    args += [f"{local}:{remote}", "--address", "127.0.0.1"]
    if context:
        args += ["--context", context]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(local):
            if proc.poll() is not None:
                error = (proc.stderr.read() if proc.stderr else "").strip()
                raise ClusterError(f"kubectl port-forward exited: {error or proc.returncode}")
            if time.monotonic() > deadline:
                raise ClusterError(f"kubectl port-forward: port {local} not open after 20 s")
            time.sleep(0.1)
        url = f"http://127.0.0.1:{local}/"
        typer.echo(f"Bosun UI: {url}  (forwarding to svc/{service} in {namespace}; Ctrl-C stops)")
        if browse:
            import webbrowser

            webbrowser.open(url)
        with contextlib.suppress(KeyboardInterrupt):
            proc.wait()
        if proc.returncode not in (0, None, -2):
            error = (proc.stderr.read() if proc.stderr else "").strip()
            raise ClusterError(f"kubectl port-forward stopped: {error or proc.returncode}")
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
