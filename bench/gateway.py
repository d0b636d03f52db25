"""Model gateway overhead per LLM request: direct to the fake LLM vs through the gateway.

Starts `bosun mockllm` and `bosun controlplane` (local mode, SQLite in a temp dir) as
child processes, applies a Secret, a routed ModelConfig and an Agent, then sends OpenAI
Chat Completions requests at a fixed rate (open loop: one every 1/rate s, whatever the
answers do) for a few seconds, first straight to the fake LLM, then through
`/gateway/...` with the agent's token. Prints p50/p99 latency of both and the difference
(the gateway's added latency), at 50 and 150 requests/s, without and with a Policy limit
(which adds one counter upsert per request).

    uv run python bench/gateway.py [--seconds 6] [--rates 50,150]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

SCRIPT = "rules:\n  - default: true\n    text: hello from the fake provider\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def child(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def run_rate(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], rate: float, seconds: float
) -> list[float]:
    body = {"model": "gpt-bench", "messages": [{"role": "user", "content": "hi"}]}
    latencies: list[float] = []
    failures = 0

    async def one() -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError:
            failures += 1
            return
        if response.status_code != 200:
            failures += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    if failures:
        print(f"  ({failures} failed requests)", file=sys.stderr)
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(seconds: float, rates: list[float]) -> None:
    work = Path(tempfile.mkdtemp(prefix="bosun-bench-gateway-"))
    llm_port, cp_port = free_port(), free_port()
    (work / "script.yaml").write_text(SCRIPT)
    env = {**os.environ, "BOSUN_DATA_DIR": str(work / "data"), "BOSUN_SYNC_RESOURCES": "false"}
    bosun = [str(Path(sys.executable).parent / "bosun")]
    script = str(work / "script.yaml")
    llm = [*bosun, "mockllm", "--port", str(llm_port), "--quiet", "--script", script]
    with (
        child(llm, env, work / "mockllm.log"),
        child([*bosun, "controlplane", "--port", str(cp_port), "--log-level", "warning"], env,
              work / "controlplane.log"),
    ):  # fmt: skip
        llm_url, cp_url = f"http://127.0.0.1:{llm_port}", f"http://127.0.0.1:{cp_port}"
        await wait_up(f"{cp_url}/healthz")
        await wait_up(f"{llm_url}/v1/models")
        async with httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=500, max_keepalive_connections=500)
        ) as client:
            await apply(client, cp_url, llm_url)
            from bosun.server.governance import agent_token_minter
            from bosun.server.settings import Settings

            token = agent_token_minter(Settings(data_dir=work / "data"))("default", "bench")
            direct = f"{llm_url}/v1/chat/completions"
            routed = f"{cp_url}/gateway/default/bench/gpt/openai/v1/chat/completions"
            auth = {"Authorization": f"Bearer {token}"}
            await run_rate(client, routed, auth, 20, 1)  # warm up both paths
            await run_rate(client, direct, {}, 20, 1)
            print(f"{'rate':>6} {'policy':>7} {'direct p50':>11} {'p99':>7} "
                  f"{'gateway p50':>12} {'p99':>7} {'added p50':>10} {'p99':>7}")  # fmt: skip
            for with_limit in (False, True):
                if with_limit:
                    await client.post(f"{cp_url}/api/resources", json=POLICY)
                    await asyncio.sleep(2.5)  # the policy cache refreshes every 2 s
                for rate in rates:
                    d = await run_rate(client, direct, {}, rate, seconds)
                    g = await run_rate(client, routed, auth, rate, seconds)
                    dp50, dp99, gp50, gp99 = pct(d, 0.5), pct(d, 0.99), pct(g, 0.5), pct(g, 0.99)
                    print(f"{rate:>6.0f} {'limit' if with_limit else 'none':>7} "
                          f"{dp50:>9.2f}ms {dp99:>5.2f}ms {gp50:>10.2f}ms {gp99:>5.2f}ms "
                          f"{gp50 - dp50:>8.2f}ms {gp99 - dp99:>5.2f}ms")  # fmt: skip
            print(f"median over all direct: {statistics.median(d):.2f} ms; logs in {work}")


POLICY = {
    "apiVersion": "policy.bosun.dev/v1alpha1",
    "kind": "Policy",
    "metadata": {"name": "bench", "namespace": "default"},
    "spec": {"limits": [{"name": "rate", "per": "Agent", "window": "1h", "requests": 10**9}]},
}


async def apply(client: httpx.AsyncClient, cp_url: str, llm_url: str) -> None:
    bodies: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "key", "namespace": "default"},
         "stringData": {"apiKey": "sk-bench"}},
        {"apiVersion": "kagent.dev/v1alpha2", "kind": "ModelConfig",
         "metadata": {"name": "gpt", "namespace": "default",
                      "annotations": {"gateway.bosun.dev/route": "true"}},
         "spec": {"provider": "OpenAI", "model": "gpt-bench", "apiKeySecret": "key",
                  "apiKeySecretKey": "apiKey", "openAI": {"baseUrl": f"{llm_url}/v1"}}},
        {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent",
         "metadata": {"name": "bench", "namespace": "default"},
         "spec": {"declarative": {"systemMessage": "hi", "modelConfig": "gpt"}}},
    ]  # fmt: skip
    for body in bodies:
        answer = await client.post(f"{cp_url}/api/resources", json=body)
        if answer.status_code >= 300:
            raise RuntimeError(f"{body['kind']}: {answer.text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rates", default="50,150")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, [float(r) for r in args.rates.split(",")]))
