"""Benchmark: what the control plane's A2A proxy costs, and how many SSE streams it holds.

Three processes, so that no one's CPU is counted for another:
- an A2A agent (a2a-sdk server, the same server stack `bosun agent` uses, with an echo
  executor instead of an LLM so that the agent's own time is small and steady),
- the control plane (`create_app`, local mode, SQLite) with that agent registered Ready,
- this process, the load generator (httpx).

1. Proxy overhead: the same SendMessage, direct to the agent and through the proxy, sent
   open-loop at fixed rates (default 50 and 200 requests/s, 10 s each); p50/p99 latency
   and errors of both, and the difference. Then the CPU each proxied request costs the
   control plane (from /proc, so other load on the machine does not distort it) and the
   rate it reaches with 20 requests in flight.
2. Concurrent SSE streams: N SendStreamingMessage streams opened through the proxy at
   once (default 1000), each held open by the agent for a few seconds before it
   completes; how many finished with the final event and zero errors, and the control
   plane's peak RSS.

Figures, not asserts: `uv run python bench/controlplane.py [--rate 200] [--seconds 10]
[--streams 1000] [--hold 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- child: the echo agent ------------------------------------------------------------


def run_agent(port: int, hold: float) -> None:
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


# --- child: the control plane ---------------------------------------------------------


def run_controlplane(port: int, agent_url: str, data_dir: Path) -> None:
    import uvicorn

    from bosun.server.app import create_app
    from bosun.server.db import Database
    from bosun.server.settings import Settings
    from bosun.server.store_db import DbResourceStore

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
        app = create_app(settings, database=db, store=store, endpoint=lambda _: agent_url)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096)
        await uvicorn.Server(config).serve()

    asyncio.run(main())


# --- the load -------------------------------------------------------------------------


def send(text: str, stream: bool = False) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": str(uuid.uuid4()),
        "method": "SendStreamingMessage" if stream else "SendMessage",
        "params": {
            "message": {
                "messageId": str(uuid.uuid4()),
                "role": "ROLE_USER",
                "parts": [{"text": text}],
            }
        },
    }


HEADERS = {"A2A-Version": "1.0", "X-Bosun-User": "bench"}


async def fixed_rate(url: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open loop: a request every 1/rate s whatever the answers do; latencies in ms."""
    import httpx

    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one() -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                response = await http.post(url, json=send("ping"), headers=HEADERS)
                ok = response.status_code == 200 and "result" in response.json()
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
    return latencies, errors


async def streams(url: str, count: int) -> tuple[int, int, float]:
    """Open `count` streams at once; (completed, errors, seconds until all ended)."""
    import httpx

    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=count + 10)
    completed = errors = 0
    timeout = httpx.Timeout(120, connect=60, pool=60)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:

        async def one() -> None:
            nonlocal completed, errors
            final = False
            try:
                async with http.stream(
                    "POST", url, json=send("hold", stream=True), headers=HEADERS
                ) as response:
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
        await asyncio.gather(*(one() for _ in range(count)))
    return completed, errors, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def closed_loop(url: str, count: int, in_flight: int) -> float:
    """Requests per second with `in_flight` requests outstanding at all times."""
    import httpx

    gate = asyncio.Semaphore(in_flight)
    async with httpx.AsyncClient(timeout=60) as http:

        async def one() -> None:
            async with gate:
                await http.post(url, json=send("ping"), headers=HEADERS)

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return count / (time.perf_counter() - start)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
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


async def bench(args: argparse.Namespace) -> None:
    agent_port, cp_port = free_port(), free_port()
    agent_url = f"http://127.0.0.1:{agent_port}"
    proxy = f"http://127.0.0.1:{cp_port}/api/a2a/default/echo"
    data = Path(tempfile.mkdtemp(prefix="bosun-bench-"))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    py = sys.executable
    commands = [
        [py, str(HERE), "_agent", str(agent_port), str(args.hold)],
        [py, str(HERE), "_controlplane", str(cp_port), agent_url, str(data)],
    ]
    children = [subprocess.Popen(c, env=env) for c in commands]  # noqa: ASYNC220
    try:
        await wait_up(f"{agent_url}/.well-known/agent-card.json")
        await wait_up(f"http://127.0.0.1:{cp_port}/health")
        await fixed_rate(proxy, 50, 1)  # warm both paths
        await fixed_rate(f"{agent_url}/", 50, 1)
        for rate in args.rate:
            print(f"proxy overhead: SendMessage at {rate:.0f} req/s for {args.seconds:.0f} s")
            results = {}
            for label, url in (("direct", f"{agent_url}/"), ("proxied", proxy)):
                latencies, errors = await fixed_rate(url, rate, args.seconds)
                results[label] = latencies
                p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
                mean = statistics.fmean(latencies) if latencies else float("nan")
                print(
                    f"  {label:8} n={len(latencies):5}  errors={errors}  "
                    f"p50={p50:6.1f} ms  p99={p99:6.1f} ms  mean={mean:6.1f} ms"
                )
            d50 = percentile(results["proxied"], 0.5) - percentile(results["direct"], 0.5)
            d99 = percentile(results["proxied"], 0.99) - percentile(results["direct"], 0.99)
            print(f"  overhead p50={d50:+.1f} ms  p99={d99:+.1f} ms")
        before = cpu_seconds(children[1].pid)
        throughput = await closed_loop(proxy, 2000, 20)
        cost = (cpu_seconds(children[1].pid) - before) / 2000 * 1000
        direct = await closed_loop(f"{agent_url}/", 2000, 20)
        print(
            f"capacity (20 in flight): proxied {throughput:.0f} req/s, direct {direct:.0f} "
            f"req/s; control plane CPU {cost:.2f} ms per proxied request"
        )
        for count in args.streams:
            done, errors, took = await streams(proxy, count)
            print(
                f"SSE streams through the proxy: {count} at once, each held {args.hold:.0f} s: "
                f"completed={done} errors={errors} in {took:.1f} s; control plane peak RSS "
                f"{rss_mb(children[1].pid):.0f} MB"
            )
    finally:
        for child in children:
            child.terminate()
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(10)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_agent":
        run_agent(int(sys.argv[2]), float(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_controlplane":
        run_controlplane(int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, nargs="+", default=[50.0, 200.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--streams", type=int, nargs="+", default=[1000])
    parser.add_argument("--hold", type=float, default=5.0)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
