// One conversation (A2A contextId = session) with one agent, kept outside React so a
// running turn survives navigation and re-mounts; components subscribe with
// useSyncExternalStore. Streams go through the control plane's A2A proxy only.
import { useSyncExternalStore } from "react";
import { get, patch } from "../api/client";
import type { Session, Task } from "../api/types";
import { newId, proxyPath, rpc, rpcStream, RpcError, type WireMessage, type WirePart, type WireTask } from "./a2a";
import { applyStream, FINAL_STATES, newTurn, recordAnswer, turnFromTask, type FileRef, type Turn } from "./model";

export interface Attachment {
  file: File;
  base64: string;
}

export interface ChatState {
  turns: Turn[];
  busy: boolean;
  loading: boolean;
  error?: string;
  missing?: boolean; // the session does not exist (or is not yours)
}

export function errorText(err: unknown): string {
  if (err instanceof RpcError) return `${err.message} (A2A error ${err.code})`;
  if (err instanceof Error) {
    const status = (err as { status?: number }).status;
    if (status === 401) return `Not signed in: ${err.message}`;
    if (status === 403) return `Not allowed: ${err.message}`;
    return err.message;
  }
  return String(err);
}

export class Conversation {
  readonly namespace: string;
  readonly name: string;
  readonly contextId: string;
  private state: ChatState = { turns: [], busy: false, loading: false };
  private listeners = new Set<() => void>();
  private abort?: AbortController;
  private loaded = false;
  named = false;

  constructor(namespace: string, name: string, contextId: string) {
    this.namespace = namespace;
    this.name = name;
    this.contextId = contextId;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  private set(change: Partial<ChatState>) {
    this.state = { ...this.state, ...change };
    this.listeners.forEach((l) => l());
  }

  private updateTurn(key: string, fn: (t: Turn) => Turn) {
    this.set({ turns: this.state.turns.map((t) => (t.key === key ? fn(t) : t)) });
  }

  private async storedTurns(): Promise<Turn[]> {
    const tasks = await get<Task[]>(`/api/sessions/${encodeURIComponent(this.contextId)}/tasks?limit=500`);
    tasks.sort((a, b) => a.created_at.localeCompare(b.created_at));
    return tasks.map((t) => turnFromTask(t.task as WireTask));
  }

  /** The stored history: one turn per task of the session, oldest first. */
  async load(fresh: boolean): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    if (fresh) return;
    this.set({ loading: true });
    try {
      const session = await get<Session>(`/api/sessions/${encodeURIComponent(this.contextId)}?limit=1`);
      this.named = !!session.name;
      let turns = await this.storedTurns();
      this.set({ turns: [...turns, ...this.state.turns], loading: false });
      // The last turn may have ended a moment ago and its final state not be recorded yet
      // (the control plane writes records behind the stream): show what is stored now and
      // look again for a few seconds, replacing the stored turns as they settle.
      for (let i = 0; i < 20 && turns.length && !settled(turns[turns.length - 1]); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        turns = await this.storedTurns();
        const latest = new Map(turns.map((t) => [t.key, t]));
        this.set({ turns: this.state.turns.map((t) => latest.get(t.key) ?? t) });
      }
    } catch (err) {
      const status = (err as { status?: number }).status;
      this.set({ loading: false, missing: status === 404, error: status === 404 ? undefined : errorText(err) });
    }
  }

  async send(text: string, attachments: Attachment[]): Promise<void> {
    const parts: WirePart[] = [];
    if (text) parts.push({ text });
    const files: FileRef[] = [];
    for (const a of attachments) {
      parts.push({ raw: a.base64, filename: a.file.name, mediaType: a.file.type || "application/octet-stream" });
      files.push({ name: a.file.name, mediaType: a.file.type, size: a.file.size, url: URL.createObjectURL(a.file) });
    }
    const turn = newTurn(newId(), text, files);
    this.set({ turns: [...this.state.turns, turn], error: undefined, missing: false });
    await this.stream(turn.key, parts, undefined);
    const done = this.state.turns.find((t) => t.key === turn.key);
    if (!this.named && done && FINAL_STATES.concat("input-required").includes(done.state)) {
      this.named = true; // name a new session after its first prompt, as chat apps do
      const title = (text || files[0]?.name || "").replace(/\s+/g, " ").trim().slice(0, 60);
      if (title) {
        patch(`/api/sessions/${encodeURIComponent(this.contextId)}`, { name: title })
          .then(() => window.dispatchEvent(new Event("bosun-sessions-changed")))
          .catch(() => undefined);
      }
    }
  }

  /** Answer a paused task: decisions per approval, answers per question. */
  async answer(
    key: string,
    decisions: Record<string, { approved: boolean; reason?: string }>,
    answers: Record<string, string | string[]>,
  ): Promise<void> {
    const turn = this.state.turns.find((t) => t.key === key);
    if (!turn?.taskId) return;
    const data: Record<string, unknown> = {};
    if (Object.keys(decisions).length) data.decisions = decisions;
    if (Object.keys(answers).length) data.answers = answers;
    const parts: WirePart[] = [{ data }];
    this.updateTurn(key, (t) => ({ ...recordAnswer(t, { parts }), requests: [], state: "working" }));
    await this.stream(key, parts, turn.taskId);
  }

  private async stream(key: string, parts: WirePart[], taskId: string | undefined): Promise<void> {
    const message: WireMessage = { messageId: newId(), contextId: this.contextId, role: "ROLE_USER", parts };
    if (taskId) message.taskId = taskId;
    this.abort = new AbortController();
    this.set({ busy: true });
    let ended = false;
    try {
      const stream = rpcStream(proxyPath(this.namespace, this.name), "SendStreamingMessage", { message }, this.abort.signal);
      for await (const response of stream) {
        this.updateTurn(key, (t) => applyStream(t, response));
      }
      const t = this.state.turns.find((x) => x.key === key);
      ended = !!t && (FINAL_STATES.includes(t.state) || t.state === "input-required");
      if (!ended) this.updateTurn(key, (x) => ({ ...x, state: "failed", statusText: "The agent's stream ended without an answer." }));
    } catch (err) {
      const aborted = err instanceof DOMException && err.name === "AbortError";
      this.updateTurn(key, (t) => ({
        ...t,
        state: aborted ? "canceled" : "failed",
        statusText: aborted ? "Cancelled before the agent started." : errorText(err),
      }));
    } finally {
      this.abort = undefined;
      this.set({ busy: false });
    }
  }

  /** CancelTask for the running turn (or drop the request if no task exists yet). */
  async cancel(): Promise<void> {
    const running = [...this.state.turns].reverse().find((t) => !FINAL_STATES.includes(t.state));
    if (!running?.taskId) {
      this.abort?.abort();
      return;
    }
    try {
      await rpc(proxyPath(this.namespace, this.name), "CancelTask", { id: running.taskId });
    } catch (err) {
      this.set({ error: `Cancel failed: ${errorText(err)}` });
    }
  }
}

const conversations = new Map<string, Conversation>();

export function conversation(namespace: string, name: string, contextId: string): Conversation {
  const key = `${namespace}/${name}/${contextId}`;
  let found = conversations.get(key);
  if (!found) {
    found = new Conversation(namespace, name, contextId);
    conversations.set(key, found);
  }
  return found;
}

export function forget(namespace: string, name: string, contextId: string) {
  conversations.delete(`${namespace}/${name}/${contextId}`);
}

export function useConversation(c: Conversation): ChatState {
  return useSyncExternalStore(c.subscribe, c.snapshot);
}

/** A turn that will not change by itself: ended, or waiting for the user. */
function settled(turn: Turn): boolean {
  return FINAL_STATES.includes(turn.state) || turn.state === "input-required";
}
