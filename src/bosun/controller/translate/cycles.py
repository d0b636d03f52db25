"""Agent-as-tool chains: cycles (ping -> pong -> ping) and chains deeper than MAX_DEPTH.

Called by `translate_agent`. A cycle would make agents call each other forever; a very
deep chain multiplies latency and cost. Both are rejected with the chain printed.
"""

from __future__ import annotations

from bosun.api.agent import Agent
from bosun.controller.translate.errors import Errors
from bosun.controller.translate.interface import References

MAX_DEPTH = 10
Key = tuple[str, str]


class _CycleFound(Exception):
    def __init__(self, chain: list[Key]) -> None:
        super().__init__()
        self.chain = chain


def _children(agent: Agent) -> list[tuple[int, Key]]:
    spec = agent.spec.declarative
    if spec is None:
        return []
    return [
        (i, (t.agent.namespace or agent.namespace, t.agent.name))
        for i, t in enumerate(spec.tools)
        if t.agent is not None
    ]


def _longest(key: Key, stack: list[Key], memo: dict[Key, list[Key]], refs: References) -> list[Key]:
    """The longest chain of agents reachable from `key` (itself first); raises on a cycle."""
    if key in stack:
        raise _CycleFound([*stack[stack.index(key) :], key])
    if key in memo:
        return memo[key]
    agent = refs.agents.get(key)
    best: list[Key] = []
    if agent is not None:
        stack.append(key)
        try:
            for _, child in _children(agent):
                chain = _longest(child, stack, memo, refs)
                if len(chain) > len(best):
                    best = chain
        finally:
            stack.pop()
    memo[key] = [key, *best]
    return memo[key]


def _show(chain: list[Key], namespace: str) -> str:
    return " -> ".join(name if ns == namespace else f"{ns}/{name}" for ns, name in chain)


def check_agent_chains(agent: Agent, refs: References, errors: Errors) -> None:
    root: Key = (agent.namespace, agent.name)
    memo: dict[Key, list[Key]] = {}
    for index, child in _children(agent):
        path = f"spec.declarative.tools[{index}].agent"
        try:
            chain = [root, *_longest(child, [root], memo, refs)]
        except _CycleFound as cycle:
            errors.add(
                path,
                f"agent-as-tool cycle: {_show(cycle.chain, agent.namespace)} "
                "(agents must not call each other in a cycle)",
            )
            continue
        if len(chain) - 1 > MAX_DEPTH:
            errors.add(
                path,
                f"agent-as-tool chain is {len(chain) - 1} levels deep, more than {MAX_DEPTH}: "
                f"{_show(chain, agent.namespace)}",
            )
