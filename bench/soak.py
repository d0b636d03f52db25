"""Soak: `bosun up --mock-llm` with the examples under a steady mixed load, for minutes.

Starts `bosun up` (control plane, fake LLM, the example agents and MCP server) on free
ports with a copy of examples/, then runs `--workers` clients through the control
plane's A2A proxy for `--minutes` (default 10). Each client loops over a mix of turns:

- chat: a plain answer (helper), the same session continued every few turns;
- tool: an MCP tool call (helper: current_time through `bosun mcp-bridge`);
- approval: a call that pauses for approval, then approved on the same task (helper);
- sub-agent: an agent calling another agent (coordinator -> haiku-writer);
- stream: SendStreamingMessage read to the end (haiku-writer).

Prints requests, errors (HTTP, JSON-RPC, or a turn not ending as expected), p50/p99 per
kind, and for every process of the tree: RSS and open file descriptors after warm-up
(`--warmup` seconds, default 60) and at the end, plus the database size.
Figures, not asserts: `uv run python bench/soak.py [--minutes 10] [--workers 4]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
AGENTS = ("coordinator", "haiku-writer", "helper")
HEADERS = {"A2A-Version": "1.0", "X-Bosun-User": "soak"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- processes ------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, parent in parents.items() if parent == frontier[-1]]
        frontier.pop()
        found += kids
        frontier += kids
    return found


def describe(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    for i, word in enumerate(words):  # name a process by what it is, not by its python
        if word.endswith("bosun") and i + 1 < len(words):
            rest = words[i + 1 :]
            if rest[0] == "agent" and "--config" in rest:
                where = Path(rest[rest.index("--config") + 1])
                names = [n for n in reversed(where.parts) if n not in ("config", "files")]
                return "agent " + (names[0] if names else str(where))
            return "bosun " + " ".join(rest[:2])
    return " ".join(words[:3])[:60]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def snapshot(root: int) -> dict[int, tuple[str, float, int]]:
    return {p: (describe(p), rss_mb(p), fds(p)) for p in [root, *descendants(root)]}


def db_size_mb(data_dir: Path) -> float:
    total = 0
    for path in data_dir.rglob("*"):
        if path.is_file() and (".sqlite" in path.name or path.name.endswith((".db", "-wal"))):
            total += path.stat().st_size
    return total / 1e6


# --- load -----------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)

    def fail(self, kind: str, why: str) -> None:
        self.errors[kind] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{kind}: {why[:300]}")


def message(text: str | None, *, context: str = "", task: str = "", data: Any = None) -> Any:
    parts: list[dict[str, Any]] = [{"text": text}] if text is not None else []
    if data is not None:
        parts.append({"data": data})
    msg: dict[str, Any] = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": parts}
    if context:
        msg["contextId"] = context
    if task:
        msg["taskId"] = task
    return {"message": msg}


async def send(http: httpx.AsyncClient, agent: str, params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}
    response = await http.post(f"/api/a2a/default/{agent}", json=body, headers=HEADERS)
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    answer = response.json()
    if "error" in answer:
        raise RuntimeError(f"JSON-RPC error {answer['error']}")
    return dict(answer["result"].get("task") or {})


def state(task: dict[str, Any]) -> str:
    return str(task.get("status", {}).get("state", "?"))


def expect(task: dict[str, Any], wanted: str) -> None:
    if state(task) != wanted:
        text = json.dumps(task.get("status", {}).get("message", {}))[:300]
        raise RuntimeError(f"ended {state(task)}, wanted {wanted}: {text}")


async def chat(http: httpx.AsyncClient, session: dict[str, str]) -> None:
    task = await send(http, "helper", message("hello", context=session.get("helper", "")))
    expect(task, "TASK_STATE_COMPLETED")
    session["helper"] = task["contextId"]


async def tool(http: httpx.AsyncClient, session: dict[str, str]) -> None:
    expect(await send(http, "helper", message("What time is it?")), "TASK_STATE_COMPLETED")


async def approval(http: httpx.AsyncClient, session: dict[str, str]) -> None:
    paused = await send(http, "helper", message("17 * 23"))
    expect(paused, "TASK_STATE_INPUT_REQUIRED")
    parts = paused["status"]["message"]["parts"]
    [requests] = [p["data"]["requests"] for p in parts if "data" in p]
    decisions = {r["id"]: {"approved": True} for r in requests}
    done = await send(
        http,
        "helper",
        message(None, context=paused["contextId"], task=paused["id"],
                data={"decisions": decisions}),
    )  # fmt: skip
    expect(done, "TASK_STATE_COMPLETED")


async def sub_agent(http: httpx.AsyncClient, session: dict[str, str]) -> None:
    task = await send(http, "coordinator", message("Write a haiku about the sea"))
    expect(task, "TASK_STATE_COMPLETED")


async def stream(http: httpx.AsyncClient, session: dict[str, str]) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendStreamingMessage",
            "params": message("a haiku please")}  # fmt: skip
    last = ""
    async with http.stream(
        "POST", "/api/a2a/default/haiku-writer", json=body, headers=HEADERS
    ) as response:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if "error" in event:
                    raise RuntimeError(f"JSON-RPC error {event['error']}")
                update = event["result"].get("statusUpdate") or event["result"].get("task")
                if update:
                    last = state(update)
    if last != "TASK_STATE_COMPLETED":
        raise RuntimeError(f"stream ended in {last or 'nothing'}")


KINDS = {"chat": chat, "tool": tool, "approval": approval, "sub-agent": sub_agent,
         "stream": stream}  # fmt: skip


async def worker(url: str, stop_at: float, stats: Stats, offset: int, pause: float) -> None:
    names = list(KINDS)
    session: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        i = offset
        while time.monotonic() < stop_at:
            kind = names[i % len(names)]
            i += 1
            if i % 20 == 0:
                session.clear()  # a new chat session now and then
            started = time.perf_counter()
            try:
                await KINDS[kind](http, session)
            except Exception as exc:
                stats.fail(kind, f"{type(exc).__name__}: {exc}")
            else:
                stats.latencies[kind].append(time.perf_counter() - started)
            await asyncio.sleep(pause)


# --- main -----------------------------------------------------------------------------


def start_up(base: Path) -> tuple[subprocess.Popen[bytes], str, Path, Path]:
    examples = base / "examples"
    shutil.copytree(ROOT / "examples", examples, ignore=shutil.ignore_patterns("teams"))
    mock_port, port = free_port(), free_port()
    model = examples / "modelconfig.yaml"
    model.write_text(model.read_text().replace("127.0.0.1:8090", f"127.0.0.1:{mock_port}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    env["BOSUN_PROVIDER"] = "mock"
    bosun = Path(sys.executable).parent / "bosun"
    output = base / "up.out"
    argv = [str(bosun), "up", "--mock-llm", "-f", str(examples), "--port", str(port),
            "--mock-llm-port", str(mock_port), "--data-dir", str(base / "data")]  # fmt: skip
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            sys.exit(f"bosun up exited:\n{output.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200 and _all_ready(url):
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            sys.exit(f"agents not Ready in 90 s:\n{output.read_text()}")
        time.sleep(0.5)
    return process, url, base / "data", output


def _all_ready(url: str) -> bool:
    items = httpx.get(f"{url}/api/agents", timeout=5).json()["items"]
    ready = {
        i["metadata"]["name"]
        for i in items
        for c in (i.get("status") or {}).get("conditions") or []
        if c["type"] == "Ready" and c["status"] == "True"
    }
    return set(AGENTS) <= ready


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(stats: Stats, first: dict[int, Any], last: dict[int, Any], db: tuple[float, float],
           seconds: float) -> None:  # fmt: skip
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(f"\n{total + errors} turns in {seconds / 60:.1f} min "
          f"({(total + errors) / seconds:.1f}/s), {errors} errors")  # fmt: skip
    print(f"{'kind':<10} {'ok':>6} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in KINDS:
        values = stats.latencies.get(kind, [])
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        print(f"{kind:<10} {len(values):>6} {stats.errors.get(kind, 0):>6} {p50:>8.0f} {p99:>8.0f}")
    every = [v for values in stats.latencies.values() for v in values]
    print(f"{'all':<10} {len(every):>6} {errors:>6} {percentile(every, 0.5) * 1000:>8.0f} "
          f"{percentile(every, 0.99) * 1000:>8.0f}")  # fmt: skip
    print(f"\n{'process':<34} {'RSS MB start':>12} {'end':>7} {'growth':>7} {'fds':>9}")
    for pid, (name, rss, fd) in first.items():
        end = last.get(pid)
        if end is None:
            print(f"{name:<34} {rss:>12.1f}    gone")
            continue
        growth = (end[1] - rss) / rss * 100 if rss else 0.0
        print(f"{name:<34} {rss:>12.1f} {end[1]:>7.1f} {growth:>6.1f}% {fd:>4}->{end[2]:<4}")
    for pid, (name, rss, fd) in last.items():
        if pid not in first:
            print(f"{name:<34} {'new':>12} {rss:>7.1f}         {fd:>9}")
    print(f"\ndatabase files: {db[0]:.1f} MB after warm-up, {db[1]:.1f} MB at the end")
    for sample in stats.samples:
        print("  error:", sample)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds before the first RSS")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between turns")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bosun-soak-"))
    process, url, data_dir, output = start_up(base)
    print(f"bosun up ready at {url} (pid {process.pid}); {args.workers} clients for "
          f"{args.minutes:g} min, warm-up {args.warmup:g} s", flush=True)  # fmt: skip
    stats = Stats()
    started = time.monotonic()
    stop_at = started + args.minutes * 60
    try:
        clients = [asyncio.create_task(worker(url, stop_at, stats, i, args.pause))
                   for i in range(args.workers)]  # fmt: skip
        await asyncio.sleep(min(args.warmup, args.minutes * 60 / 2))
        first, db_first = snapshot(process.pid), db_size_mb(data_dir)
        await asyncio.gather(*clients)
        last, db_last = snapshot(process.pid), db_size_mb(data_dir)
        report(stats, first, last, (db_first, db_last), time.monotonic() - started)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        if os.environ.get("SOAK_KEEP"):
            print("kept:", base, output)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
