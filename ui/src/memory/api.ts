// The caller's long-term memories of agents: GET/DELETE /api/memories (docs/memory.md).
import { del, get } from "../api/client";

export interface Memory {
  id: string;
  agent_namespace: string;
  agent_name: string;
  content: string;
  created_at: string;
  expires_at: string | null;
}

export async function listMemories(agent: string): Promise<Memory[]> {
  const query = agent ? `?${new URLSearchParams({ agent })}` : "";
  return (await get<{ items: Memory[] }>(`/api/memories${query}`)).items;
}

export const deleteMemory = (id: string) => del(`/api/memories/${encodeURIComponent(id)}`);

export const forgetAll = (agent: string) => del(`/api/memories?${new URLSearchParams({ agent })}`);

export async function agentRefs(): Promise<string[]> {
  const body = await get<{ items: { metadata: { namespace: string; name: string } }[] }>("/api/agents");
  return body.items.map((a) => `${a.metadata.namespace}/${a.metadata.name}`).sort();
}
