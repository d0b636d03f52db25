"""`bosun up --mock-llm` with the examples: seconds from the command to all agents Ready.

Each run copies examples/ into a fresh temp dir (a fresh database: nothing cached from an
earlier run), points the example ModelConfig at a free port for the fake LLM, starts
`bosun up --mock-llm -f DIR` on free ports and polls every 50 ms. Prints, per run: when
`/readyz` first answered 200 (database migrated, manifests applied, controller synced),
when every agent `/api/agents` lists had Ready=True, how many agents there were and when
each agent and tool server was first seen Ready (the critical path); then the median of
the runs. Figures, not asserts:

    uv run python bench/up.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ready_names(client: httpx.Client, url: str, route: str) -> tuple[set[str], int]:
    """(names of the Ready objects a list route returns, how many it returned)."""
    items = client.get(f"{url}{route}", timeout=5).json()["items"]
    ready = {
        f"{item['kind']} {item['metadata']['name']}"
        for item in items
        if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (item.get("status") or {}).get("conditions") or []
        )
    }
    return ready, len(items)


def one_run(timeout: float) -> tuple[float, float, int, dict[str, float]]:
    base = Path(tempfile.mkdtemp(prefix="bosun-bench-up-"))
    examples = base / "examples"
    shutil.copytree(ROOT / "examples", examples)
    mock_port, port = free_port(), free_port()
    for manifest in examples.rglob("*.yaml"):
        text = manifest.read_text()
        if "127.0.0.1:8090" in text:
            manifest.write_text(text.replace("127.0.0.1:8090", f"127.0.0.1:{mock_port}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    bosun = Path(sys.executable).parent / "bosun"
    argv = [str(bosun), "up", "--mock-llm", "-f", str(examples), "--port", str(port),
            "--mock-llm-port", str(mock_port), "--data-dir", str(base / "data")]  # fmt: skip
    output = base / "up.out"
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    readyz = all_ready = float("nan")
    count = 0
    first_ready: dict[str, float] = {}  # "Kind name" -> seconds after the command
    try:
        with httpx.Client() as client:
            while time.perf_counter() - started < timeout:
                if process.poll() is not None:
                    sys.exit(f"bosun up exited:\n{output.read_text()}")
                try:
                    if readyz != readyz and client.get(f"{url}/readyz").status_code == 200:
                        readyz = time.perf_counter() - started
                    if readyz == readyz:
                        servers, _ = ready_names(client, url, "/api/toolservers")
                        ready, count = ready_names(client, url, "/api/agents")
                        now = time.perf_counter() - started
                        for name in servers | ready:
                            first_ready.setdefault(name, now)
                        if count and len(ready) == count:
                            all_ready = time.perf_counter() - started
                            break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            else:
                print(f"  not all Ready in {timeout:.0f} s; see {output}", file=sys.stderr)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(base, ignore_errors=True)
    return readyz, all_ready, count, first_ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args()
    print(f"load average {Path('/proc/loadavg').read_text().split()[0]}")
    print(f"{'run':>4} {'/readyz 200':>12} {'all Ready':>10} {'agents':>7}")
    readies = []
    for run in range(1, args.runs + 1):
        readyz, all_ready, count, first_ready = one_run(args.timeout)
        readies.append(all_ready)
        order = ", ".join(
            f"{name} {at:.1f}" for name, at in sorted(first_ready.items(), key=lambda x: x[1])
        )
        print(f"{run:>4} {readyz:>11.2f}s {all_ready:>9.2f}s {count:>7}   Ready at: {order}")
    print(f"median command -> all agents Ready: {statistics.median(readies):.2f} s (target <= 5 s)")


if __name__ == "__main__":
    main()
