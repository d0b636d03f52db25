// Shapes of the resource kinds the resource pages edit (wire form, camelCase), beyond the
// generic Resource of api/types.ts. Only what the forms read; unknown fields pass through.
import type { Condition, ObjectMeta, Resource } from "../api/types";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: JsonObject;
}

export interface McpServerToolRef {
  apiGroup?: string;
  kind?: "RemoteMCPServer" | "MCPServer" | "Service";
  name: string;
  namespace?: string;
  toolNames?: string[];
  requireApproval?: string[];
}

export interface AgentTool {
  type: "McpServer" | "Agent";
  mcpServer?: McpServerToolRef;
  agent?: { name: string; namespace?: string };
}

export interface Skill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  examples?: string[];
}

export interface DeploymentSpec {
  replicas?: number;
  image?: string;
  env?: EnvVar[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface AgentSpec {
  type?: "Declarative" | "BYO";
  description?: string;
  declarative?: {
    systemMessage?: string;
    systemMessageFrom?: { type: "ConfigMap" | "Secret"; name: string; key: string };
    promptTemplate?: { dataSources?: { kind?: string; name: string; alias?: string }[] };
    modelConfig?: string;
    stream?: boolean;
    tools?: AgentTool[];
    a2aConfig?: { skills?: Skill[] };
    deployment?: DeploymentSpec;
  };
  byo?: { deployment?: DeploymentSpec & { image?: string } };
}

export type Agent = Resource<AgentSpec>;

export interface ModelConfigSpec {
  provider?: string;
  model?: string;
  apiKeySecret?: string;
  apiKeySecretKey?: string;
  [block: string]: Json | undefined;
}

export type ModelConfig = Resource<ModelConfigSpec>;

export interface DiscoveredToolInfo {
  name: string;
  description?: string;
  readOnlyHint?: boolean; // the tool's MCP annotations, when discovery found them
  destructiveHint?: boolean;
}

export type ToolServerKind = "RemoteMCPServer" | "MCPServer";

export interface ToolServerStatus {
  url?: string;
  discoveredTools?: DiscoveredToolInfo[];
}

export type ToolServer = Resource<JsonObject, ToolServerStatus>;

export const TOOL_SERVER_API_VERSION: Record<ToolServerKind, string> = {
  RemoteMCPServer: "kagent.dev/v1alpha2",
  MCPServer: "kagent.dev/v1alpha1",
};

/** Anything with metadata and status conditions (every kind the pages show). */
export interface WithStatus {
  metadata: ObjectMeta;
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

export function findCondition(obj: WithStatus | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}
