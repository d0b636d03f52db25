"""Benchmark: how fast the operator accepts N Agents, and how much memory it needs.

For each N (default 100 and 1000), in a fresh child process: start the Kubernetes
emulator (tests/fakes/kube_emulator.py) in its own process, start the operator
(`run_operator`, cluster-wide, no leader election, logging sink), apply N ModelConfigs and
N Agents (one shared API-key Secret) over HTTP from a third process (16 at a time, as
kubectl or Argo CD would), and report:

- time to apply the 2N objects, and until every Agent has Accepted=True (counted from
  the operator's own cache, so it includes the watch delay), and the reconciles run;
  "after apply": from the last apply answered to all Accepted;
- restart: a new operator over the same cluster, time until it has reconciled everything
  (listing, cache readiness, 2N reconciles that change nothing);
- the CPU seconds the operator's process and the emulator's process used in each phase
  (the emulator is single-threaded Python: when it is at ~1 CPU-second per second, it is
  the wall, not the operator);
- the operator process's peak RSS, and its RSS before the operator started.

Figures, not asserts: `uv run python bench/controller.py [--n 100 1000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of another one by pid."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        return asyncio.run(measure(url, n, emulator.pid))
    finally:
        emulator.terminate()
        emulator.wait(10)


async def apply_all(url: str, objs: list[dict[str, Any]]) -> None:
    """Apply `objs` as a user would (field manager kubectl), 16 requests at a time."""
    from bosun.controller.kube.client import KubeClient
    from bosun.controller.kube.settings import ControllerSettings

    user = KubeClient(ControllerSettings(api_server=url, api_token="u", field_manager="kubectl"))
    limit = asyncio.Semaphore(16)

    async def apply(obj: dict[str, Any]) -> None:
        async with limit:
            await user.apply(obj)

    try:
        await asyncio.gather(*(apply(o) for o in objs))
    finally:
        await user.close()


def applier(url: str, n: int) -> None:
    """The applying process: ready once imported, applies on a line from stdin."""
    import bosun.controller.kube.client  # noqa: F401  (imported before "ready")

    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(apply_all(url, objects(n)))
    print("applied", flush=True)


async def start_applier(url: str, n: int) -> asyncio.subprocess.Process:
    """A process of its own that applies the N objects (its CPU is not the operator's)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--applier",
        url,
        "--n",
        str(n),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    if (await proc.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the applier did not start")
    return proc


async def run_applier(proc: asyncio.subprocess.Process) -> None:
    """Let the applier go; return when it has applied everything."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    line = await proc.stdout.readline()
    if await proc.wait() != 0 or line.strip() != b"applied":
        raise RuntimeError("the applier failed")


async def measure(url: str, n: int, emulator_pid: int) -> dict[str, Any]:
    import bosun.controller.kube.operator  # noqa: F401  (RSS before: with the code loaded)

    rss_before = rss_mb()
    task, ctl = await _start(url)
    # Warm up: one agent accepted means the watches run and the cache is complete.
    secret, warm_model, warm_agent = objects(1)
    warm_model["metadata"]["name"] = "warmup-model"
    warm_agent["metadata"]["name"] = "warmup-agent"
    warm_agent["spec"]["declarative"]["modelConfig"] = "warmup-model"
    await apply_all(url, [secret])
    await apply_all(url, [warm_model, warm_agent])
    await _until("warm-up", lambda: accepted_count(ctl) >= 1, time.monotonic())
    proc = await start_applier(url, n)

    cpu0, emu0 = cpu_s(), cpu_s(emulator_pid)
    start = time.monotonic()
    await run_applier(proc)
    applied = time.monotonic() - start
    accepted = await _until("accepted", lambda: accepted_count(ctl) >= n + 1, start)
    cpu1, emu1 = cpu_s(), cpu_s(emulator_pid)
    reconciles = ctl.reconciles.processed
    peak = peak_rss_mb()
    await _stop(task)

    # A restart with everything in place: list, index, reconcile all, change nothing.
    cpu2, emu2 = cpu_s(), cpu_s(emulator_pid)
    start = time.monotonic()
    task, ctl = await _start(url)
    total = 2 * (n + 1)
    resumed = await _until(
        "resume",
        lambda: ctl.reconciles.processed >= total and ctl.reconciles.idle,
        start,
    )
    cpu3, emu3 = cpu_s(), cpu_s(emulator_pid)
    restart_reconciles = ctl.reconciles.processed
    await _stop(task)
    return {
        "n": n,
        "applied_s": round(applied, 2),
        "all_accepted_s": round(accepted, 2),
        "after_apply_s": round(accepted - applied, 2),
        "reconciles": reconciles,
        "operator_cpu_s": round(cpu1 - cpu0, 1),
        "emulator_cpu_s": round(emu1 - emu0, 1),
        "resume_s": round(resumed, 2),
        "restart_reconciles": restart_reconciles,
        "restart_operator_cpu_s": round(cpu3 - cpu2, 1),
        "restart_emulator_cpu_s": round(emu3 - emu2, 1),
        "rss_before_operator_mb": round(rss_before, 1),
        "peak_rss_mb": round(peak, 1),
    }


COLUMNS = [  # (heading, key, format)
    ("N", "n", "{:>6}"),
    ("applied", "applied_s", "{:>8.2f}s"),
    ("all Accepted", "all_accepted_s", "{:>11.2f}s"),
    ("after apply", "after_apply_s", "{:>10.2f}s"),
    ("reconciles", "reconciles", "{:>10}"),
    ("op CPU", "operator_cpu_s", "{:>6.1f}s"),
    ("emu CPU", "emulator_cpu_s", "{:>6.1f}s"),
    ("restart", "resume_s", "{:>7.2f}s"),
    ("op CPU", "restart_operator_cpu_s", "{:>6.1f}s"),
    ("emu CPU", "restart_emulator_cpu_s", "{:>6.1f}s"),
    ("RSS before", "rss_before_operator_mb", "{:>8.1f}MB"),
    ("peak RSS", "peak_rss_mb", "{:>6.1f}MB"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description="Operator benchmark (figures, not asserts).")
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--applier", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="one JSON line per N")
    args = parser.parse_args()
    if args.applier:
        applier(args.applier, args.n[0])
        return
    if args.child:  # one N per process, so each peak RSS is its own
        print(json.dumps(run(args.n[0])), flush=True)
        return
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    if not args.json:
        print(" ".join(f"{h:>{len(f.format(0))}}" for h, k, f in COLUMNS))
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
        line = out.stdout.strip().splitlines()[-1]
        r = json.loads(line)
        print(line if args.json else " ".join(f.format(r[k]) for _, k, f in COLUMNS), flush=True)
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
