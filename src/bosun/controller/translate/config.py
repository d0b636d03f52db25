"""config.json (`AgentConfig`) for a Declarative agent, and the pod wiring it needs.

Called by `translate_agent`. Gathers the model (model.py), tools (tools.py), the resolved
instruction (prompt.py), memory and compaction into one AgentConfig; references that are
missing become errors, so a None config always comes with at least one error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bosun.api.agent import Agent
from bosun.api.config import (
    API_KEY_ENV,
    AgentConfig,
    CompactionSettings,
    MemorySettings,
    ModelSettings,
)
from bosun.controller.translate.errors import Errors
from bosun.controller.translate.gateway import GatewayRoute
from bosun.controller.translate.httptool import build_http_tools
from bosun.controller.translate.interface import References, TranslateOptions
from bosun.controller.translate.model import model_settings
from bosun.controller.translate.prompt import resolve_instruction
from bosun.controller.translate.skills import build_skills
from bosun.controller.translate.tools import build_tools
from bosun.controller.translate.wiring import PodWiring

MEMORY_API_KEY_ENV = "BOSUN_MEMORY_MODEL_API_KEY"
SUMMARIZER_API_KEY_ENV = "BOSUN_SUMMARIZER_MODEL_API_KEY"


@dataclass
class ConfigResult:
    config: AgentConfig | None
    wiring: PodWiring
    notes: list[str] = field(default_factory=list)


def _model(
    agent: Agent,
    name: str,
    refs: References,
    options: TranslateOptions,
    errors: Errors,
    wiring: PodWiring,
    *,
    path: str,
    purpose: str,
    api_key_env: str,
) -> ModelSettings | None:
    mc = refs.model_configs.get((agent.namespace, name))
    if mc is None:
        errors.not_found(path, "ModelConfig", agent.namespace, name)
        return None
    route = GatewayRoute(
        options.controlplane_url, agent.namespace, agent.name, default=options.model_gateway
    )
    return model_settings(
        mc, refs, errors, wiring, path=path, purpose=purpose, api_key_env=api_key_env,
        gateway=route,
    )  # fmt: skip


def build_config(
    agent: Agent, refs: References, options: TranslateOptions, errors: Errors
) -> ConfigResult:
    spec = agent.spec.declarative
    assert spec is not None
    wiring = PodWiring()
    result = ConfigResult(None, wiring)
    before = len(errors.items)
    model = _model(
        agent,
        spec.model_config_,
        refs,
        options,
        errors,
        wiring,
        path="spec.declarative.modelConfig",
        purpose="model",
        api_key_env=API_KEY_ENV,
    )
    tools = build_tools(agent, refs, options, errors, wiring)
    http_tools = build_http_tools(agent, refs, errors, wiring)  # converted v1alpha1 Tools
    instruction = resolve_instruction(agent, refs, errors, wiring, tool_names=tools.names)
    if instruction.note:
        result.notes.append(instruction.note)
    result.notes += tools.notes  # e.g. the default approval policy of the built-in tools

    memory = None
    if spec.memory is not None:
        memory_model = None
        if spec.memory.model_config_:
            memory_model = _model(
                agent,
                spec.memory.model_config_,
                refs,
                options,
                errors,
                wiring,
                path="spec.declarative.memory.modelConfig",
                purpose="memory",
                api_key_env=MEMORY_API_KEY_ENV,
            )
        memory = MemorySettings(model=memory_model, ttl_days=spec.memory.ttl_days)

    skills = build_skills(agent, refs, errors, wiring)

    compaction = None
    source = spec.context.compaction if spec.context else None
    if source is not None:
        summarizer = None
        if source.summarizer is not None and source.summarizer.model_config_:
            summarizer = _model(
                agent,
                source.summarizer.model_config_,
                refs,
                options,
                errors,
                wiring,
                path="spec.declarative.context.compaction.summarizer.modelConfig",
                purpose="summarizer",
                api_key_env=SUMMARIZER_API_KEY_ENV,
            )
        compaction = CompactionSettings(
            compaction_interval=source.compaction_interval,
            overlap_size=source.overlap_size,
            token_threshold=source.token_threshold,
            summarizer_model=summarizer,
            summarizer_prompt=source.summarizer.prompt_template if source.summarizer else None,
        )

    if model is None or len(errors.items) > before:
        return result
    result.config = AgentConfig(
        name=f"{agent.namespace}/{agent.name}",
        description=agent.spec.description,
        instruction=instruction.text,
        instruction_file=instruction.file,
        model=model,
        stream=spec.stream,
        mcp_servers=tools.mcp_servers,
        remote_agents=tools.remote_agents,
        http_tools=http_tools or None,
        memory=memory,
        skills=skills,
        compaction=compaction,
    )
    return result
