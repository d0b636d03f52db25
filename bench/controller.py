"""Benchmark: how fast the operator accepts N Agents, and how much memory it needs.

For each N (default 100 and 1000), in a fresh child process: start the Kubernetes
emulator (tests/fakes/kube_emulator.py) in its own process, start the operator
(`run_operator`, cluster-wide, no leader election, logging sink), apply N ModelConfigs and
N Agents (one shared API-key Secret) over HTTP, and report:

- time to apply the 2N objects, and until every Agent has Accepted=True (counted from
  the operator's own cache, so it includes the watch delay), and the reconciles run;
- restart: a new operator over the same cluster, time until it has reconciled everything
  (listing, cache readiness, 2N reconciles that change nothing);
- the operator process's peak RSS, and its RSS before the operator started.

Figures, not asserts: `uv run python bench/controller.py [--n 100 1000]`.
The emulator is a Python process too: its speed is part of the time measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EMULATOR = ROOT / "tests" / "fakes" / "kube_emulator.py"
NS = "bench"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def objects(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "llm-key", "namespace": NS},
            "stringData": {"api-key": "sk-bench"},
        }
    ]
    for i in range(n):
        out.append(
            {
                "apiVersion": "kagent.dev/v1alpha2",
                "kind": "ModelConfig",
                "metadata": {"name": f"model-{i}", "namespace": NS},
                "spec": {
                    "provider": "OpenAI",
                    "model": "gpt-4o",
                    "apiKeySecret": "llm-key",
                    "apiKeySecretKey": "api-key",
                },
            }
        )
        out.append(
            {
                "apiVersion": "kagent.dev/v1alpha2",
                "kind": "Agent",
                "metadata": {"name": f"agent-{i}", "namespace": NS},
                "spec": {
                    "description": f"agent number {i}",
                    "declarative": {"systemMessage": "You help.", "modelConfig": f"model-{i}"},
                },
            }
        )
    return out


def accepted_count(ctl: Any) -> int:
    count = 0
    for namespace, name in ctl.cache.keys("Agent"):
        body = ctl.cache.get("Agent", namespace, name) or {}
        for cond in (body.get("status") or {}).get("conditions") or []:
            if cond.get("type") == "Accepted" and cond.get("status") == "True":
                count += 1
    return count


async def _start(url: str) -> tuple[asyncio.Task[None], Any]:
    from bosun.controller.kube.operator import run_operator
    from bosun.controller.kube.settings import ControllerSettings

    settings = ControllerSettings(api_server=url, api_token="bench", leader_election=False)
    holder: list[Any] = []
    ready = asyncio.Event()
    task = asyncio.create_task(run_operator(settings, ready=ready, controller=holder))
    await asyncio.wait_for(ready.wait(), 30)
    return task, holder[0]


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _until(what: str, check: Any, start: float) -> float:
    while not check():
        if time.monotonic() - start > 900:
            raise TimeoutError(f"{what}: not done after 900 s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


def run(n: int) -> dict[str, Any]:
    """One measurement, against an emulator in its own process."""
    emulator = subprocess.Popen(
        [sys.executable, str(EMULATOR), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert emulator.stdout is not None
        url = json.loads(emulator.stdout.readline())["url"]
        return asyncio.run(measure(url, n))
    finally:
        emulator.terminate()
        emulator.wait(10)


async def measure(url: str, n: int) -> dict[str, Any]:
    from bosun.controller.kube.client import KubeClient
    from bosun.controller.kube.settings import ControllerSettings

    user = KubeClient(ControllerSettings(api_server=url, api_token="u", field_manager="kubectl"))
    limit = asyncio.Semaphore(16)

    async def apply(obj: dict[str, Any]) -> None:
        async with limit:
            await user.apply(obj)

    rss_before = rss_mb()
    task, ctl = await _start(url)
    # Warm up: one agent accepted means the watches run and the cache is complete.
    secret, warm_model, warm_agent = objects(1)
    warm_model["metadata"]["name"] = "warmup-model"
    warm_agent["metadata"]["name"] = "warmup-agent"
    warm_agent["spec"]["declarative"]["modelConfig"] = "warmup-model"
    for obj in (secret, warm_model, warm_agent):
        await apply(obj)
    await _until("warm-up", lambda: accepted_count(ctl) >= 1, time.monotonic())

    start = time.monotonic()
    await asyncio.gather(*(apply(o) for o in objects(n)))
    applied = time.monotonic() - start
    accepted = await _until("accepted", lambda: accepted_count(ctl) >= n + 1, start)
    reconciles = ctl.reconciles.processed
    peak = peak_rss_mb()
    await _stop(task)

    # A restart with everything in place: list, index, reconcile all, change nothing.
    start = time.monotonic()
    task, ctl = await _start(url)
    total = 2 * (n + 1)
    resumed = await _until(
        "resume",
        lambda: ctl.reconciles.processed >= total and ctl.reconciles.idle,
        start,
    )
    await _stop(task)
    await user.close()
    return {
        "n": n,
        "applied_s": round(applied, 2),
        "all_accepted_s": round(accepted, 2),
        "reconciles": reconciles,
        "resume_s": round(resumed, 2),
        "rss_before_operator_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Operator benchmark (figures, not asserts).")
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one N per process, so each peak RSS is its own
        print(json.dumps(run(args.n[0])), flush=True)
        return
    print(
        f"{'N':>6} {'applied':>9} {'all Accepted':>13} {'reconciles':>11} "
        f"{'restart':>9} {'RSS before':>11} {'peak RSS':>9}"
    )
    for n in args.n:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--n", str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{n:>6} failed:\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['n']:>6} {r['applied_s']:>8.2f}s {r['all_accepted_s']:>12.2f}s "
            f"{r['reconciles']:>11} {r['resume_s']:>8.2f}s "
            f"{r['rss_before_operator_mb']:>9.1f}MB {r['peak_rss_mb']:>7.1f}MB"
        )


if __name__ == "__main__":
    main()
