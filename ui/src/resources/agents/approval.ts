// The built-in tool server's default approval policy, as the UI shows it (docs/tools.md):
// on a server annotated bosun.dev/builtin-tools: "true", every tool whose discovered MCP
// hints do not say readOnlyHint=true or destructiveHint=false pauses for approval, unless
// the Agent is annotated bosun.dev/require-approval-for-destructive-tools: "false".
// Mirrors approve_destructive (translator) and McpServerTools.is_destructive (runtime).
import type { DiscoveredToolInfo, ToolServer } from "../types";

export const BUILTIN_TOOLS_ANNOTATION = "bosun.dev/builtin-tools";
export const OPT_OUT_ANNOTATION = "bosun.dev/require-approval-for-destructive-tools";

/** True when the agent gets the default on this server (built-in server, agent did not opt out). */
export function defaultApprovalOn(agentAnnotations: Record<string, string> | undefined, server: ToolServer | undefined): boolean {
  if ((server?.metadata.annotations?.[BUILTIN_TOOLS_ANNOTATION] ?? "").toLowerCase() !== "true") return false;
  return (agentAnnotations?.[OPT_OUT_ANNOTATION] ?? "true").trim().toLowerCase() !== "false";
}

/** What the MCP spec's defaults say: destructive unless annotated read-only or non-destructive. */
export function isDestructive(tool: DiscoveredToolInfo): boolean {
  return !(tool.readOnlyHint === true || tool.destructiveHint === false);
}
