"""Benchmark: what the control plane's A2A proxy costs, and how many SSE streams it holds.

Separate processes, so that no one's CPU is counted for another:
- an instant A2A agent stub (bench/rawhttp.py; `--agent sdk`: the a2a-sdk server stack
  `bosun agent` uses, with an echo executor, which itself saturates near 150-200 req/s),
- the control plane of this tree (`create_app`, local mode, SQLite, served with
  `bosun.server.app.uvicorn_options()`, as `bosun controlplane` serves it), the echo
  agent registered Ready;
- with `--baseline REF`: a second control plane, the code of git REF (`git archive`
  into a temporary folder, run from there), served as that code was (asyncio loop, h11),
  so before and after are measured in the same run under the same machine load;
- this process, the load generator (a light keep-alive client, bench/rawhttp.py).

Each round (`--rounds`, default 3; medians reported, stacks taken in turn):
1. Latency: `message/send` (A2A v0.3; `--method SendMessage` for 1.0) sent open-loop
   at fixed rates (default 50 and 200 requests/s, `--seconds` each), direct to the agent
   and through each proxy; p50/p99 and the difference (what the proxy adds).
2. Capacity: requests/s with 32 requests in flight, and the control plane's CPU per
   proxied request (from /proc, so other load on the machine does not distort it).
First, once per stack on the fresh processes: N SendStreamingMessage streams opened
through the proxy at once (default 1000, each from its own user, held `--hold` s by the
agent): completed, errors, the control plane's peak RSS.

`--profile S`: py-spy samples each control plane for S seconds under the capacity load;
the stacks go to /tmp/bosun-bench-profile-*.txt and a summary (where the CPU goes, by
package and by Bosun module) is printed.

Figures, not asserts: `uv run python bench/controlplane.py [--baseline HEAD~3]
[--rate 50 200] [--seconds 10] [--streams 1000] [--hold 5] [--rounds 3] [--profile 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

from rawhttp import Client, new_loop_policy, run_stub  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- child: the a2a-sdk echo agent ----------------------------------------------------


def run_sdk_agent(port: int, hold: float) -> None:
    import uvicorn
    from a2a.helpers.proto_helpers import get_message_text, new_task, new_text_message
    from a2a.server.agent_execution import AgentExecutor, RequestContext
    from a2a.server.events import EventQueue
    from a2a.server.request_handlers import DefaultRequestHandler
    from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
    from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
    from a2a.types import AgentCapabilities, AgentCard, AgentInterface, TaskState
    from starlette.applications import Starlette

    class Echo(AgentExecutor):
        async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
            text = get_message_text(context.message) if context.message else ""
            task_id, context_id = context.task_id or "", context.context_id or ""
            if context.current_task is None:
                await event_queue.enqueue_event(
                    new_task(task_id, context_id, TaskState.TASK_STATE_SUBMITTED)
                )
            updater = TaskUpdater(event_queue, task_id, context_id)
            if text.startswith("hold"):
                await updater.update_status(TaskState.TASK_STATE_WORKING)
                await asyncio.sleep(hold)
            await updater.complete(new_text_message(f"echo: {text}"))

        async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
            await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()

    url = f"http://127.0.0.1:{port}/"
    card = AgentCard(
        name="echo",
        description="echo",
        version="1",
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version="1.0")
        ],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text"],
        default_output_modes=["text"],
    )
    handler = DefaultRequestHandler(
        agent_executor=Echo(), task_store=InMemoryTaskStore(), agent_card=card
    )
    routes = [*create_jsonrpc_routes(handler, "/"), *create_agent_card_routes(card)]
    app = Starlette(routes=routes)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)


# --- child: a control plane -----------------------------------------------------------


def run_controlplane(port: int, agent_url: str, data_dir: Path, stack: str) -> None:
    """`stack`: `current` (what `bosun controlplane` uses today) or `asyncio-h11`."""
    import uvicorn

    import bosun
    from bosun.server import app as app_module
    from bosun.server.db import Database
    from bosun.server.settings import Settings
    from bosun.server.store_db import DbResourceStore

    print(f"control plane {stack} from {Path(bosun.__file__).parent}", flush=True)
    options: dict[str, Any] = {"loop": "asyncio", "http": "h11"}
    factory = getattr(app_module, "uvicorn_options", None)
    if stack == "current" and factory is not None:
        options = factory()

    async def main() -> None:
        settings = Settings(mode="local", auth="none", data_dir=data_dir)
        db = await Database.open(settings.resolved_database_url())
        store = DbResourceStore.for_database(db, settings.secret_key_file)
        await store.apply(
            {
                "apiVersion": "kagent.dev/v1alpha2",
                "kind": "Agent",
                "metadata": {"name": "echo", "namespace": "default"},
                "spec": {"type": "BYO", "byo": {"deployment": {"image": "echo"}}},
            }
        )
        ready = {"type": "Ready", "status": "True", "reason": "Bench", "message": ""}
        await store.patch_status("Agent", "default", "echo", {"conditions": [ready]})
        app = app_module.create_app(
            settings, database=db, store=store, endpoint=lambda _: agent_url
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", backlog=4096, **options
        )
        await uvicorn.Server(config).serve()

    run_loop = getattr(app_module, "run_loop", None)  # as `bosun controlplane` runs it
    if stack == "current" and run_loop is not None:
        run_loop(main())
    else:
        asyncio.run(main())


# --- the load -------------------------------------------------------------------------


def send(method: str, text: str = "ping") -> bytes:
    v03 = "/" in method
    part = {"kind": "text", "text": text} if v03 else {"text": text}
    message = {
        "messageId": str(uuid.uuid4()),
        "role": "user" if v03 else "ROLE_USER",
        "parts": [part],
    }
    body = {
        "jsonrpc": "2.0",
        "id": str(uuid.uuid4()),
        "method": method,
        "params": {"message": message},
    }
    return json.dumps(body).encode()


HEADERS = {"A2A-Version": "1.0", "X-Bosun-User": "bench"}


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"result"' in body


async def fixed_rate(url: str, method: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open loop: a request every 1/rate s whatever the answers do; latencies in ms."""
    latencies: list[float] = []
    errors = 0
    client = Client(url, size=256)

    async def one() -> None:
        nonlocal errors
        start = time.perf_counter()
        try:
            ok = _ok(*await client.post(send(method), HEADERS))
        except Exception:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - start) * 1000)
        else:
            errors += 1

    tasks = []
    begin = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    await client.close()
    return latencies, errors


async def closed_loop(url: str, method: str, seconds: float, in_flight: int) -> tuple[float, int]:
    """(requests/s, errors) with `in_flight` requests outstanding for `seconds`."""
    client = Client(url, size=in_flight)
    done = errors = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors
        while time.perf_counter() < end:
            try:
                ok = _ok(*await client.post(send(method), HEADERS))
            except Exception:
                ok = False
            done += 1
            errors += not ok

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    took = time.perf_counter() - start
    await client.close()
    return done / took, errors


async def streams(url: str, count: int) -> tuple[int, int, float]:
    """Open `count` streams at once, each from its own user; (completed, errors, seconds)."""
    import httpx

    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=count + 10)
    completed = errors = 0
    timeout = httpx.Timeout(120, connect=60, pool=60)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:

        async def one(i: int) -> None:
            nonlocal completed, errors
            final = False
            headers = {**HEADERS, "X-Bosun-User": f"bench-{i}"}
            body = send("SendStreamingMessage", "hold")
            try:
                async with http.stream("POST", url, content=body, headers=headers) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data:"):
                            event = json.loads(line[5:])
                            if "error" in event:
                                raise RuntimeError(event["error"])
                            state = (event["result"].get("statusUpdate") or {}).get("status")
                            final = final or (state or {}).get("state") == "TASK_STATE_COMPLETED"
            except Exception:
                errors += 1
                return
            if final:
                completed += 1
            else:
                errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
    return completed, errors, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, key: str = "VmHWM:") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


async def wait_up(url: str) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        for _ in range(600):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


# --- the profile summary --------------------------------------------------------------

_PACKAGES = (
    "bosun", "starlette", "fastapi", "uvicorn", "h11", "httptools", "httpx", "httpcore",
    "anyio", "sqlalchemy", "aiosqlite", "sqlite3", "opentelemetry", "prometheus_client",
    "pydantic", "json", "logging", "uvloop", "asyncio", "concurrent", "threading",
)  # fmt: skip


def _bucket(frame: str) -> str:
    """`func (path:line)` -> the package (Bosun: its module) the frame runs in."""
    path = "/" + frame.rsplit("(", 1)[-1]  # py-spy writes paths from the package up
    if "/bosun/" in path:
        module = path.split("/bosun/", 1)[1].split(":", 1)[0].removesuffix(".py")
        return "bosun." + module.replace("/", ".")
    for name in _PACKAGES:
        if f"/{name}/" in path or f"/{name}.py" in path:
            return name
    return "other"


def summarize(profile: Path, top: int = 14) -> str:
    """Where the event loop's thread spends its samples (other threads, e.g. the SQLite
    driver's, are counted apart: they mostly wait)."""
    total = others = 0
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if "(" in f]
        if not frames:
            continue
        if not frames[0].startswith("<module>"):
            others += n
            continue
        total += n
        leaf[_bucket(frames[-1])] += n
        functions[frames[-1].split(" (")[0] + " " + _bucket(frames[-1])] += n
        for bucket in {_bucket(f) for f in frames}:
            inclusive[bucket] += n
    if not total:
        return "  (no samples)"

    def pct(counter: Counter[str], keys: Any) -> str:
        return "  ".join(f"{k} {counter[k] / total:.0%}" for k in keys if counter[k])

    mods = sorted((k for k in inclusive if k.startswith("bosun.")), key=lambda k: -inclusive[k])
    libs = [k for k, _ in inclusive.most_common() if not k.startswith("bosun.")]
    return (
        f"  event-loop thread samples {total} (other threads {others})\n"
        f"  self time by package: {pct(leaf, [k for k, _ in leaf.most_common(top)])}\n"
        f"  inclusive, libraries: {pct(inclusive, libs[:top])}\n"
        f"  inclusive, Bosun modules: {pct(inclusive, mods[:top])}\n"
        f"  hottest functions (self): {pct(functions, [k for k, _ in functions.most_common(10)])}"
    )


async def profile(pid: int, label: str, url: str, method: str, seconds: float) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = Path(tempfile.gettempdir()) / f"bosun-bench-profile-{label}.txt"
    command = [spy, "record", "-p", str(pid), "-d", str(int(seconds)), "-r", "250",
               "-f", "raw", "-o", str(out), "--nonblocking"]  # fmt: skip
    spying = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    await asyncio.sleep(0.5)
    await closed_loop(url, method, seconds, 32)
    await spying.wait()
    print(f"profile {label} (py-spy, {seconds:.0f} s under the capacity load): {out}")
    print(summarize(out) if out.exists() else "  py-spy wrote nothing (is it installed?)")


# --- the run --------------------------------------------------------------------------


def baseline_tree(ref: str) -> Path:
    """The `src/` of git REF in a temporary folder (no change to the repository)."""
    target = Path(tempfile.mkdtemp(prefix="bosun-bench-base-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


async def bench(args: argparse.Namespace) -> None:
    agent_port = free_port()
    agent_url = f"http://127.0.0.1:{agent_port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    py = sys.executable
    if args.agent == "sdk":
        agent_cmd = [py, str(HERE), "_sdk_agent", str(agent_port), str(args.hold)]
    else:
        agent_cmd = [py, str(HERE), "_stub", str(agent_port), str(args.hold)]
    children = [subprocess.Popen(agent_cmd, env=env)]  # noqa: ASYNC220
    stacks: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    plan = [("after", "current", None)]
    if args.baseline:
        plan.insert(0, ("before", "asyncio-h11", baseline_tree(args.baseline)))
    for label, stack, src in plan:
        port = free_port()
        data = Path(tempfile.mkdtemp(prefix="bosun-bench-"))
        child_env = dict(env)
        if src is not None:
            child_env["PYTHONPATH"] = str(src)
        cmd = [py, str(HERE), "_controlplane", str(port), agent_url, str(data), stack]
        child = subprocess.Popen(cmd, env=child_env)  # noqa: ASYNC220
        children.append(child)
        stacks[label] = (child, f"http://127.0.0.1:{port}/api/a2a/default/echo")
    try:
        await wait_up(f"{agent_url}/.well-known/agent-card.json")
        for _, url in stacks.values():
            await wait_up(url.split("/api/")[0] + "/health")
            await fixed_rate(url, args.method, 100, 1)  # warm the path
        load = os.getloadavg()
        shown = " ".join(f"{x:.2f}" for x in load)
        print(f"load average at start: {shown}; cores {os.cpu_count()}")
        labels = list(stacks)
        for count in args.streams:
            for label in labels:
                child, url = stacks[label]
                idle = rss_mb(child.pid, "VmRSS:")
                done, errors, took = await streams(url, count)
                print(
                    f"SSE {label}: {count} streams at once, each held {args.hold:.0f} s: "
                    f"completed={done} errors={errors} in {took:.1f} s; control plane "
                    f"peak RSS {rss_mb(child.pid):.0f} MB "
                    f"(before the streams {idle:.0f} MB, now {rss_mb(child.pid, 'VmRSS:'):.0f} MB)"
                )
        rows: dict[str, list[float]] = {}

        def note(key: str, value: float) -> None:
            rows.setdefault(key, []).append(value)

        for round_no in range(args.rounds):
            order = labels if round_no % 2 == 0 else labels[::-1]
            for rate in args.rate:
                direct, errors = await fixed_rate(f"{agent_url}/", args.method, rate, args.seconds)
                note(f"{rate:.0f}/s direct p50", percentile(direct, 0.5))
                note(f"{rate:.0f}/s direct p99", percentile(direct, 0.99))
                for label in order:
                    child, url = stacks[label]
                    got, errs = await fixed_rate(url, args.method, rate, args.seconds)
                    p50, p99 = percentile(got, 0.5), percentile(got, 0.99)
                    note(f"{rate:.0f}/s {label} p50", p50)
                    note(f"{rate:.0f}/s {label} p99", p99)
                    note(f"{rate:.0f}/s {label} added p50", p50 - percentile(direct, 0.5))
                    note(f"{rate:.0f}/s {label} added p99", p99 - percentile(direct, 0.99))
                    note(f"{rate:.0f}/s {label} errors", errs + errors)
            for label in order:
                child, url = stacks[label]
                before = cpu_seconds(child.pid)
                started = time.perf_counter()
                rps, errs = await closed_loop(url, args.method, args.seconds, 32)
                took = time.perf_counter() - started
                cost = (cpu_seconds(child.pid) - before) / max(1, rps * took) * 1000
                note(f"capacity {label} req/s", rps)
                note(f"capacity {label} errors", errs)
                note(f"capacity {label} CPU ms/request", cost)
            rps, _ = await closed_loop(f"{agent_url}/", args.method, args.seconds / 2, 32)
            note("capacity direct req/s", rps)
            print(f"round {round_no + 1} done; load average {os.getloadavg()[0]:.2f}", flush=True)
        print(f"\n{'figure':38} {'median':>9}   {'all rounds'}")
        for key, values in rows.items():
            shown = " ".join(f"{v:.1f}" for v in values)
            print(f"{key:38} {statistics.median(values):9.2f}   {shown}")
        if args.profile:
            for label in labels:
                child, url = stacks[label]
                await profile(child.pid, label, url, args.method, args.profile)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for child in children:
            child.terminate()
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_stub":
        run_stub(int(sys.argv[2]), float(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_sdk_agent":
        run_sdk_agent(int(sys.argv[2]), float(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_controlplane":
        run_controlplane(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", help="git ref whose control plane is measured beside")
    parser.add_argument("--agent", choices=["stub", "sdk"], default="stub")
    parser.add_argument("--method", default="message/send")
    parser.add_argument("--rate", type=float, nargs="+", default=[50.0, 200.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", type=int, nargs="*", default=[1000])
    parser.add_argument("--hold", type=float, default=5.0)
    parser.add_argument("--profile", type=float, default=0.0)
    new_loop_policy()
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
