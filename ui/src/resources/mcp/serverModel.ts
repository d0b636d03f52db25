// Tool server helpers shared by the MCP server list, detail page and form.
import type { ErrorRule } from "../errors";
import type { Agent, JsonObject, ToolServer, ToolServerKind } from "../types";
import { TOOL_SERVER_API_VERSION } from "../types";

export const serverNs = (s: { metadata: { namespace?: string } }) => s.metadata.namespace ?? "default";
export const serverPath = (s: ToolServer) => `/mcp-servers/${serverNs(s)}/${s.metadata.name}?kind=${s.kind}`;

/** The condition types a kind reports (a RemoteMCPServer only has Accepted). */
export const conditionTypes = (kind: string): string[] => (kind === "MCPServer" ? ["Ready", "Accepted"] : ["Accepted"]);

export function defaultSpec(kind: ToolServerKind): JsonObject {
  return kind === "RemoteMCPServer"
    ? { description: "", protocol: "STREAMABLE_HTTP", url: "" }
    : { description: "", transportType: "stdio", deployment: { cmd: "npx", args: [], port: 3000 } };
}

export function newServer(kind: ToolServerKind, namespace: string): ToolServer {
  return {
    apiVersion: TOOL_SERVER_API_VERSION[kind],
    kind,
    metadata: { name: "", namespace },
    spec: defaultSpec(kind),
  };
}

export function endpoint(s: ToolServer): string {
  if (s.kind === "RemoteMCPServer") return String(s.spec.url ?? "");
  if (s.status?.url) return s.status.url;
  const d = (s.spec.deployment ?? {}) as { image?: string; cmd?: string; args?: string[] };
  return [d.cmd, ...(d.args ?? [])].filter(Boolean).join(" ") || d.image || "";
}

/** Agents whose tools name this server, with the tool names each uses. */
export function usersOf(server: ToolServer, agents: Agent[]): { agent: Agent; tools: string[] }[] {
  const ns = serverNs(server);
  const out: { agent: Agent; tools: string[] }[] = [];
  for (const agent of agents) {
    const ans = agent.metadata.namespace ?? "default";
    for (const t of agent.spec.declarative?.tools ?? []) {
      const ref = t.mcpServer;
      if (t.type !== "McpServer" || !ref) continue;
      if (ref.name === server.metadata.name && (ref.kind ?? "RemoteMCPServer") === server.kind && (ref.namespace ?? ans) === ns)
        out.push({ agent, tools: ref.toolNames ?? [] });
    }
  }
  return out;
}

export const SERVER_ERROR_RULES: ErrorRule[] = [
  [/^metadata\.name$/, "name"],
  [/^metadata\.namespace$/, "namespace"],
  [/^kind$/, "kind"],
  [/^spec\.description/, "description"],
  [/^spec\.url/, "url"],
  [/^spec\.protocol/, "protocol"],
  [/^spec\.timeout/, "timeout"],
  [/^spec\.headersFrom/, "headers"],
  [/^spec\.transportType/, "transport"],
  [/^spec\.httpTransport/, "http"],
  [/^spec\.deployment$/, "image"],
  [/^spec\.deployment\.image/, "image"],
  [/^spec\.deployment\.cmd/, "cmd"],
  [/^spec\.deployment\.args/, "args"],
  [/^spec\.deployment\.port/, "port"],
  [/^spec\.deployment\.secretRefs/, "secretRefs"],
  [/^spec\.deployment\.replicas/, "replicas"],
  [/^spec\.deployment\.env/, "env"],
  [/^spec\.deployment\.resources/, "resources"],
];

const REMOTE_ONLY = new Set(["url", "protocol", "headers"]);
const DEPLOYED_ONLY = new Set(["transport", "http", "image", "cmd", "args", "port", "secretRefs", "replicas", "env", "resources"]);

export function controlShown(kind: string, control: string, http: boolean): boolean {
  if (control === "http") return kind === "MCPServer" && http;
  if (REMOTE_ONLY.has(control)) return kind === "RemoteMCPServer";
  if (DEPLOYED_ONLY.has(control)) return kind === "MCPServer";
  return true;
}
