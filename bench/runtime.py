"""Benchmark: Bosun's agent runtime vs kagent's Python runtime (kagent-adk 0.10.4).

Prints figures, asserts nothing. Both runtimes run as processes against the same scripted
fake LLM (bosun.mockllm, answering instantly) and the same MCP server (mcp SDK,
Streamable HTTP), both in a separate "peers" process, and are driven with the same A2A
v0.3 JSON-RPC client requests (kagent speaks v0.3; Bosun serves v1.0 and v0.3):

- cold start: process start -> agent card served (wall time and the process's CPU time),
  and -> first answer (median of 3 starts);
- per-turn time of a turn with 3 MCP tool calls (2 LLM round trips), new session each
  turn: median and p90 of 100 turns (after 5 warm-up turns);
- RSS of the agent process after those turns;
- 100 concurrent streaming sessions (`message/stream`, same turn): errors, p50/p99;
- the agent process's CPU time per measured turn and per concurrent stream (steadier than
  wall time on a shared machine).

`--rounds N` measures the runtimes N times, in turn (Bosun, kagent, Bosun, ...), and
prints each figure's median: a change in the machine's load then falls on both.

Both run from compiled bytecode: pip compiled kagent's venv when it installed it; uv does
not compile Bosun's (and PYTHONDONTWRITEBYTECODE may be set), so Bosun gets a bytecode
cache in bench/.pycache (PYTHONPYCACHEPREFIX), filled by one unmeasured start. A
deployed image compiles at build time (`UV_COMPILE_BYTECODE=1`). `--no-bytecode-cache`
measures Bosun compiling every module at each start instead.

kagent is installed on first use into bench/.venv-kagent (git-ignored) with:
    pip install --pre kagent-adk==0.10.4 kagent-core==0.10.4 kagent-skills==0.10.4
        agentsts-core==0.10.4 agentsts-adk==0.10.4 "a2a-sdk[http-server]>=0.3.23,<1"
If that fails, only Bosun's column is printed, with the reason.

    uv run python bench/runtime.py [--turns 100] [--concurrency 100] [--starts 3] [--only bosun]
                                   [--rounds 1] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
KAGENT_VENV = ROOT / ".venv-kagent"
BYTECODE_CACHE = ROOT / ".pycache"  # only *.pyc files below: git-ignored
KAGENT_PACKAGES = [
    "kagent-adk==0.10.4",
    "kagent-core==0.10.4",
    "kagent-skills==0.10.4",
    "agentsts-core==0.10.4",
    "agentsts-adk==0.10.4",
    "a2a-sdk[http-server]>=0.3.23,<1",
]
CLK_TCK = os.sysconf("SC_CLK_TCK")

SCRIPT = [
    {
        "match": {"turn": 0},
        "tool_calls": [
            {"name": "lookup", "arguments": {"key": "alpha"}},
            {"name": "lookup", "arguments": {"key": "beta"}},
            {"name": "lookup", "arguments": {"key": "gamma"}},
        ],
    },
    {"match": {"turn": 1}, "text": "All three values are known now."},
    {"default": True, "text": "ok"},
]

KAGENT_RUNNER = """
import json, sys
import uvicorn
from a2a.types import AgentCard
from kagent.adk import AgentConfig, KAgentApp

config_dir, port = sys.argv[1], int(sys.argv[2])
with open(config_dir + "/config.json") as f:
    config = AgentConfig.model_validate(json.load(f))
with open(config_dir + "/agent-card.json") as f:
    card = AgentCard.model_validate(json.load(f))
app = KAgentApp(
    lambda: config.to_agent("bench_agent"), card, "http://127.0.0.1:9", "bench_agent",
    stream=bool(config.stream), agent_config=config,
).build(local=True)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


# --- peers: the fake LLM and the MCP server, in their own process ----------------------


def serve_peers() -> None:
    """`--peers` mode: start both peers, print their URLs as one JSON line, wait."""
    import logging
    import threading

    import uvicorn
    from mcp.server.mcpserver import MCPServer

    from bosun.mockllm import MockLLM

    logging.disable(logging.INFO)  # one log line per request would cost the peers CPU
    llm = MockLLM(SCRIPT).start()
    server = MCPServer("bench-tools", log_level="WARNING")

    @server.tool()
    def lookup(key: str) -> str:
        """Look a key up."""
        return f"value of {key} is {len(key)}"

    sock = free_port_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        server.streamable_http_app(), log_config=None, log_level="warning", lifespan="on"
    )
    mcp = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(mcp.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not mcp.started:
        time.sleep(0.01)
    print(
        json.dumps({"llm": llm.openai_base_url, "mcp": f"http://127.0.0.1:{port}/mcp"}), flush=True
    )
    try:
        signals = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        signal.sigwait(signals)
    finally:
        llm.stop()


def free_port_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so; without
    # it every keep-alive response waits ~40 ms for a delayed ACK (Nagle's algorithm).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(512)
    return sock


def free_port() -> int:
    sock = free_port_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


# --- the two runtimes -------------------------------------------------------------------


@dataclass
class Runtime:
    name: str
    command: Callable[[Path, int], list[str]]
    write_config: Callable[[Path, dict[str, str], int], None]
    env: dict[str, str] = field(default_factory=dict)
    unset_env: tuple[str, ...] = ()
    warm_up: bool = False  # one unmeasured start first (fills the bytecode cache)


def bosun_config(directory: Path, peers: dict[str, str], port: int) -> None:
    from bosun.api.config import CardSkill, agent_card, dump_card

    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "name": "bench/bench-agent",
        "description": "benchmark agent",
        "instruction": "You answer using the lookup tool.",
        "model": {"type": "openai", "model": "gpt-bench", "base_url": peers["llm"]},
        "mcp_servers": [
            {"name": "bench/tools", "url": peers["mcp"], "protocol": "streamable_http"}
        ],
    }
    (directory / "config.json").write_text(json.dumps(config))
    card = agent_card(
        name="bench/bench-agent",
        description="benchmark agent",
        url=f"http://127.0.0.1:{port}/",
        streaming=True,
        skills=[CardSkill(id="bench", name="bench", tags=["bench"])],
        version="1",
    )
    (directory / "agent-card.json").write_text(dump_card(card))


def bosun_command(directory: Path, port: int) -> list[str]:
    bosun = Path(sys.executable).parent / "bosun"
    return [
        str(bosun), "agent", "--config", str(directory), "--host", "127.0.0.1",
        "--port", str(port), "--data-dir", str(directory / "data"), "--log-level", "warning",
    ]  # fmt: skip


def kagent_config(directory: Path, peers: dict[str, str], port: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "model": {"type": "openai", "model": "gpt-bench", "base_url": peers["llm"]},
        "description": "benchmark agent",
        "instruction": "You answer using the lookup tool.",
        "http_tools": [{"params": {"url": peers["mcp"], "timeout": 30}, "tools": []}],
        "stream": False,
    }
    (directory / "config.json").write_text(json.dumps(config))
    card = {
        "name": "bench_agent",
        "description": "benchmark agent",
        "url": f"http://127.0.0.1:{port}/",
        "version": "1",
        "protocolVersion": "0.3.0",
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text"],
        "defaultOutputModes": ["text"],
        "skills": [],
    }
    (directory / "agent-card.json").write_text(json.dumps(card))
    (directory / "runner.py").write_text(KAGENT_RUNNER)


def kagent_command(directory: Path, port: int) -> list[str]:
    python = KAGENT_VENV / "bin" / "python"
    return [str(python), str(directory / "runner.py"), str(directory), str(port)]


def install_kagent() -> str | None:
    """Install kagent into bench/.venv-kagent if needed. Returns why it failed, or None."""
    python = KAGENT_VENV / "bin" / "python"
    probe = [str(python), "-c", "import kagent.adk"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    print(f"installing kagent into {KAGENT_VENV} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(KAGENT_VENV)],
        [str(KAGENT_VENV / "bin" / "pip"), "install", "--pre", *KAGENT_PACKAGES],
    ]
    if not (sys.executable and Path(sys.executable).exists()):
        return "no Python to create the venv with"
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            return f"`{' '.join(step[:3])} ...` failed: {(result.stderr or result.stdout)[-500:]}"
    if subprocess.run(probe, capture_output=True).returncode != 0:
        return "kagent.adk does not import after installation"
    return None


# --- measuring ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def v03_send(text: str, *, method: str = "message/send") -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": str(uuid.uuid4()),
        "method": method,
        "params": {
            "message": {
                "kind": "message",
                "role": "user",
                "messageId": str(uuid.uuid4()),
                "contextId": str(uuid.uuid4()),
                "parts": [{"kind": "text", "text": text}],
            }
        },
    }


def completed(result: dict[str, Any]) -> bool:
    status = result.get("status") or {}
    return status.get("state") == "completed"


async def turn(http: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    response = await http.post(url, json=v03_send("look up alpha, beta and gamma"))
    body = response.json()
    if "result" not in body or not completed(body["result"]):
        raise RuntimeError(f"turn did not complete: {json.dumps(body)[:300]}")
    return time.perf_counter() - started


async def streaming_turn(http: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    payload = v03_send("look up alpha, beta and gamma", method="message/stream")
    state = None
    async with http.stream("POST", url, json=payload) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if "error" in event:
                raise RuntimeError(f"stream error: {event['error']}")
            state = ((event.get("result") or {}).get("status") or {}).get("state", state)
            if state in ("completed", "failed", "canceled", "rejected", "input-required"):
                break
    if state != "completed":
        raise RuntimeError(f"stream ended in state {state}")
    return time.perf_counter() - started


class Process:
    def __init__(self, runtime: Runtime, directory: Path, port: int) -> None:
        env = {**os.environ, **runtime.env}
        for name in runtime.unset_env:
            env.pop(name, None)
        # A file, not a pipe: a chatty process would block once a pipe's buffer is full.
        self.log = (directory / "process.log").open("w+")
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(
            runtime.command(directory, port),
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{port}/"

    async def wait_for_card(
        self, http: httpx.AsyncClient, limit: float = 120
    ) -> tuple[float, float]:
        """(seconds from start, CPU seconds of the process) when the card is first served."""
        while time.perf_counter() - self.started < limit:
            if self.popen.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"exited: {self.log.read()[-1000:]}")
            try:
                response = await http.get(self.url + ".well-known/agent-card.json")
                if response.status_code == 200:
                    return time.perf_counter() - self.started, cpu_seconds(self.popen.pid)
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.01)
        raise TimeoutError("the agent card was not served")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(
    runtime: Runtime, peers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=args.concurrency + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits) as http:
        cards, cpus, answers, answer_cpus = [], [], [], []
        for start in range(args.starts + runtime.warm_up):
            with tempfile.TemporaryDirectory() as tmp:
                port = free_port()
                runtime.write_config(Path(tmp), peers, port)
                process = Process(runtime, Path(tmp), port)
                try:
                    card_s, card_cpu = await process.wait_for_card(http)
                    await turn(http, process.url)
                    if start < runtime.warm_up:
                        continue
                    answers.append(time.perf_counter() - process.started)
                    answer_cpus.append(cpu_seconds(process.popen.pid))
                    cards.append(card_s)
                    cpus.append(card_cpu)
                finally:
                    process.stop()
        figures["card_s"] = statistics.median(cards)
        figures["card_cpu_s"] = statistics.median(cpus)
        figures["first_answer_s"] = statistics.median(answers)
        figures["first_answer_cpu_s"] = statistics.median(answer_cpus)

        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            runtime.write_config(Path(tmp), peers, port)
            process = Process(runtime, Path(tmp), port)
            try:
                await process.wait_for_card(http)
                for _ in range(5):
                    await turn(http, process.url)
                cpu_before = cpu_seconds(process.popen.pid)
                times = [await turn(http, process.url) for _ in range(args.turns)]
                cpu_turns = cpu_seconds(process.popen.pid) - cpu_before
                figures["turn_p50_ms"] = statistics.median(times) * 1000
                figures["turn_p90_ms"] = pct(times, 0.9) * 1000
                figures["turn_cpu_ms"] = cpu_turns / args.turns * 1000
                figures["rss_mb"] = rss_mb(process.popen.pid)

                cpu_before = cpu_seconds(process.popen.pid)
                results = await asyncio.gather(
                    *(streaming_turn(http, process.url) for _ in range(args.concurrency)),
                    return_exceptions=True,
                )
                cpu_streams = cpu_seconds(process.popen.pid) - cpu_before
                figures["concurrent_cpu_ms"] = cpu_streams / args.concurrency * 1000
                ok = [r for r in results if isinstance(r, float)]
                errors = [r for r in results if not isinstance(r, float)]
                figures["concurrent_errors"] = len(errors)
                figures["concurrent_p50_ms"] = statistics.median(ok) * 1000 if ok else float("nan")
                figures["concurrent_p99_ms"] = pct(ok, 0.99) * 1000 if ok else float("nan")
                if errors:
                    figures["first_error"] = str(errors[0])[:200]
                figures["rss_after_concurrency_mb"] = rss_mb(process.popen.pid)
            finally:
                process.stop()
    return figures


ROWS = [
    ("cold start: card served (s)", "card_s", "{:.2f}"),
    ("cold start: CPU until card (s)", "card_cpu_s", "{:.2f}"),
    ("cold start: first answer (s)", "first_answer_s", "{:.2f}"),
    ("cold start: CPU until first answer (s)", "first_answer_cpu_s", "{:.2f}"),
    ("turn with 3 tool calls, median (ms)", "turn_p50_ms", "{:.1f}"),
    ("turn with 3 tool calls, p90 (ms)", "turn_p90_ms", "{:.1f}"),
    ("turn with 3 tool calls, agent CPU (ms)", "turn_cpu_ms", "{:.1f}"),
    ("RSS after the turns (MB)", "rss_mb", "{:.0f}"),
    ("concurrent streams: errors", "concurrent_errors", "{:d}"),
    ("concurrent streams: p50 (ms)", "concurrent_p50_ms", "{:.0f}"),
    ("concurrent streams: p99 (ms)", "concurrent_p99_ms", "{:.0f}"),
    ("concurrent streams: agent CPU per stream (ms)", "concurrent_cpu_ms", "{:.1f}"),
    ("RSS after the concurrent streams (MB)", "rss_after_concurrency_mb", "{:.0f}"),
]


def report(
    results: dict[str, dict[str, Any]], missing: str | None, args: argparse.Namespace
) -> None:
    print()
    print(
        f"turns: {args.turns}, concurrent streams: {args.concurrency}, cold starts: {args.starts}"
        + (f", medians of {args.rounds} rounds (runtimes in turn)" if args.rounds > 1 else "")
        + f"; load average at the end {os.getloadavg()[0]:.2f}"
    )
    print(
        "bytecode: kagent's compiled at install; Bosun's "
        + ("cached in bench/.pycache" if args.bytecode_cache else "compiled at every start")
    )
    names = list(results)
    header = f"{'':42s}" + "".join(f"{n:>12s}" for n in names)
    if len(names) == 2:
        header += f"{'ratio':>10s}"
    print(header)
    for label, key, fmt in ROWS:
        cells = []
        for name in names:
            value = results[name].get(key)
            cells.append(f"{fmt.format(value):>12s}" if value is not None else f"{'-':>12s}")
        line = f"{label:42s}" + "".join(cells)
        if len(names) == 2:
            a, b = (results[n].get(key) for n in names)
            if isinstance(a, float) and isinstance(b, float) and b:
                line += f"{a / b:>9.2f}x"
        print(line)
    for name in names:
        if "first_error" in results[name]:
            print(f"{name} first error: {results[name]['first_error']}")
    if missing:
        print(f"kagent column missing: {missing}")


def main(args: argparse.Namespace) -> None:
    peers_process = subprocess.Popen(
        [sys.executable, __file__, "--peers"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert peers_process.stdout is not None
        peers = json.loads(peers_process.stdout.readline())
        asyncio.run(run_all(peers, args))
    finally:
        peers_process.send_signal(signal.SIGTERM)
        peers_process.wait(timeout=10)


async def run_all(peers: dict[str, str], args: argparse.Namespace) -> None:
    bosun = Runtime("bosun", bosun_command, bosun_config)
    if args.bytecode_cache:
        bosun.env = {"PYTHONPYCACHEPREFIX": str(BYTECODE_CACHE)}
        bosun.unset_env = ("PYTHONDONTWRITEBYTECODE",)
        bosun.warm_up = True
    runtimes = [bosun]
    missing = None
    if args.only != "bosun":
        missing = install_kagent()
        if missing is None:
            runtimes.append(
                Runtime("kagent", kagent_command, kagent_config, {"OPENAI_API_KEY": "sk-bench"})
            )
    if args.only == "kagent":
        runtimes = runtimes[1:]
    rounds: dict[str, list[dict[str, Any]]] = {runtime.name: [] for runtime in runtimes}
    for number in range(1, args.rounds + 1):
        for runtime in runtimes:  # in turn, so that a change in the machine's load hits both
            print(f"round {number}/{args.rounds}: measuring {runtime.name} ...", flush=True)
            rounds[runtime.name].append(await measure(runtime, peers, args))
    report({name: median_figures(runs) for name, runs in rounds.items()}, missing, args)


def median_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds (errors: the largest count, first error kept)."""
    figures: dict[str, Any] = {}
    for key in {key for run in runs for key in run}:
        values = [run[key] for run in runs if key in run]
        if key == "first_error":
            figures[key] = values[0]
        elif key == "concurrent_errors":
            figures[key] = max(values)
        else:
            figures[key] = statistics.median(values)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--only", choices=["bosun", "kagent"], default=None)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each runtime this many times, in turn, and print the medians",
    )
    parser.add_argument(
        "--no-bytecode-cache",
        dest="bytecode_cache",
        action="store_false",
        help="Bosun compiles every module at each start (no bench/.pycache)",
    )
    parsed = parser.parse_args()
    if parsed.peers:
        serve_peers()
    else:
        main(parsed)
