// Agent manifest helpers used by the list, the detail page and the form.
import type { DiscoveredTool } from "../../api/types";
import type { ErrorRule } from "../errors";
import type { Agent, AgentTool } from "../types";

export const AGENT_API_VERSION = "kagent.dev/v1alpha2";

export function newAgent(namespace: string, modelConfig: string): Agent {
  return {
    apiVersion: AGENT_API_VERSION,
    kind: "Agent",
    metadata: { name: "", namespace },
    spec: {
      type: "Declarative",
      description: "",
      declarative: {
        modelConfig,
        systemMessage: "You are a helpful assistant. Answer briefly.\n",
      },
    },
  };
}

export const agentNs = (a: Agent): string => a.metadata.namespace ?? "default";
export const agentKey = (a: Agent): string => `${agentNs(a)}/${a.metadata.name}`;

export function serverKey(kind: string | undefined, namespace: string, name: string): string {
  return `${kind ?? "RemoteMCPServer"}/${namespace}/${name}`;
}

/** "3 tools · 2 agents" for the list: explicit toolNames, or the server's discovered count. */
export function toolCount(agent: Agent, tools: DiscoveredTool[] | undefined): { mcp: number | null; agents: number } {
  const entries: AgentTool[] = agent.spec.declarative?.tools ?? [];
  let mcp = 0;
  let unknown = false;
  for (const t of entries) {
    if (t.type !== "McpServer" || !t.mcpServer) continue;
    const names = t.mcpServer.toolNames ?? [];
    if (names.length) mcp += names.length;
    else if (tools) {
      const ns = t.mcpServer.namespace ?? agentNs(agent);
      mcp += tools.filter((d) => d.server_name === t.mcpServer!.name && d.server_namespace === ns).length;
    } else unknown = true;
  }
  return { mcp: unknown ? null : mcp, agents: entries.filter((t) => t.type === "Agent").length };
}

export function toolCountText(agent: Agent, tools: DiscoveredTool[] | undefined): string {
  const { mcp, agents } = toolCount(agent, tools);
  const parts: string[] = [];
  if (mcp === null || mcp > 0) parts.push(mcp === null ? "all tools" : `${mcp} tool${mcp === 1 ? "" : "s"}`);
  if (agents > 0) parts.push(`${agents} agent${agents === 1 ? "" : "s"}`);
  return parts.join(" · ") || "none";
}

/** Where the API's field errors go in the agent form. */
export const AGENT_ERROR_RULES: ErrorRule[] = [
  [/^metadata\.name$/, "name"],
  [/^metadata\.namespace$/, "namespace"],
  [/^spec\.description/, "description"],
  [/^spec\.type$/, "type"],
  [/^spec\.declarative\.modelConfig/, "model"],
  [/^spec\.declarative\.systemMessage(From)?($|[.[])/, "system"],
  [/^spec\.declarative\.promptTemplate/, "promptTemplate"],
  [/^spec\.declarative\.stream/, "stream"],
  [/^spec\.declarative\.tools\[(\d+)\]/, (m) => `tool:${m[1]}`],
  [/^spec\.declarative\.tools$/, "tools"],
  [/^spec\.declarative\.a2aConfig\.skills\[(\d+)\]/, (m) => `skill:${m[1]}`],
  [/^spec\.declarative\.a2aConfig/, "skills"],
  [/^spec\.(declarative|byo)\.deployment\.replicas/, "replicas"],
  [/^spec\.(declarative|byo)\.deployment\.env/, "env"],
  [/^spec\.(declarative|byo)\.deployment\.resources/, "resources"],
  [/^spec\.byo\.deployment\.image/, "image"],
];
