"""The translator: pure functions from resources to config.json, agent card and objects.

No I/O here (import-linter forbids clients): callers hand in every referenced object as
`References`. Who calls it: the operator (controller.kube), local mode (controller.local),
the server (to validate an agent before storing it) and the CLI (`bosun validate/render`).

Map: agent.py (translate_agent) -> config.py (AgentConfig: model.py for provider facts,
tools.py, prompt.py) + card.py + secret.py, deployment.py, service.py, serviceaccount.py;
mcpserver.py (translate_mcpserver); references.py (dependencies, References from a set);
cycles.py (agent-as-tool chains); hashing.py (config hash); validate.py (a whole set);
team.py (translate_team: an AgentTeam's workload, its references and member states).
"""

from bosun.controller.translate.agent import translate_agent
from bosun.controller.translate.interface import (
    AgentOutput,
    MCPServerOutput,
    References,
    TranslateOptions,
    TranslationError,
    TranslationFailed,
)
from bosun.controller.translate.mcpserver import translate_mcpserver
from bosun.controller.translate.references import (
    agent_references,
    mcpserver_references,
    model_config_references,
    references_from_set,
    remote_mcp_server_references,
    secret_hash,
)
from bosun.controller.translate.team import (
    TeamOutput,
    member_states,
    team_references,
    translate_team,
)
from bosun.controller.translate.tools import agent_tool_name, agent_url, mcp_server_url
from bosun.controller.translate.validate import SetResult, check_set

__all__ = [
    "AgentOutput",
    "MCPServerOutput",
    "References",
    "SetResult",
    "TeamOutput",
    "TranslateOptions",
    "TranslationError",
    "TranslationFailed",
    "agent_references",
    "agent_tool_name",
    "agent_url",
    "check_set",
    "mcp_server_url",
    "mcpserver_references",
    "member_states",
    "model_config_references",
    "references_from_set",
    "remote_mcp_server_references",
    "secret_hash",
    "team_references",
    "translate_agent",
    "translate_mcpserver",
    "translate_team",
]
