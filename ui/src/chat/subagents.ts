// Which tool calls are calls to other agents, and where their sessions are. The LLM sees
// an agent as the tool `namespace__name` (sanitised: controller/translate/tools.py), and
// the sub-agent's session id is derived from ours (uuid5.ts).
import { createContext, useContext, useEffect, useState } from "react";
import { get } from "../api/client";
import type { List, Resource } from "../api/types";
import type { ToolCall } from "./model";
import { uuid5 } from "./uuid5";

export function agentToolName(namespace: string, name: string): string {
  return `${namespace}__${name}`.replace(/[^A-Za-z0-9_]/g, "_"); // (names over 64 chars are hashed: not matched)
}

let agents: Promise<Map<string, [string, string]>> | undefined;

function agentsByToolName(): Promise<Map<string, [string, string]>> {
  agents ??= get<List<Resource>>("/api/agents")
    .then((list) => {
      const map = new Map<string, [string, string]>();
      for (const a of list.items) {
        const ns = a.metadata.namespace ?? "default";
        map.set(agentToolName(ns, a.metadata.name), [ns, a.metadata.name]);
      }
      return map;
    })
    .catch(() => {
      agents = undefined;
      return new Map();
    });
  return agents;
}

/** The session (contextId) the tool calls of this part of the page ran in. */
export const SessionContext = createContext<string>("");

export interface SubAgent {
  ref: string; // namespace/name, or the tool name when the agent is unknown
  sessionId?: string;
  sessionUrl?: string;
}

export function useSubAgent(tool: ToolCall): SubAgent | undefined {
  const contextId = useContext(SessionContext);
  const [found, setFound] = useState<SubAgent | undefined>(undefined);
  const finished = tool.status === "done" || tool.status === "failed";
  useEffect(() => {
    let live = true;
    agentsByToolName().then(async (map) => {
      const agent = map.get(tool.name);
      if (!agent && !tool.children.length) return;
      const ref = agent ? `${agent[0]}/${agent[1]}` : tool.name;
      const sessionId = contextId ? uuid5(`bosun:${contextId}:${tool.name}`) : undefined;
      let sessionUrl: string | undefined;
      if (agent && sessionId && finished) {
        try {
          await get(`/api/sessions/${sessionId}?limit=1`);
          sessionUrl = `/chat/${agent[0]}/${agent[1]}/${sessionId}`;
        } catch {
          /* not stored, or not ours: no link */
        }
      }
      if (live) setFound({ ref, sessionId, sessionUrl });
    });
    return () => {
      live = false;
    };
  }, [tool.name, tool.children.length, contextId, finished]);
  return found;
}
