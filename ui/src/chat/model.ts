// What one turn of a conversation looks like on screen, and how A2A updates change it.
// The same reducer reads a live stream (StreamResponse) and a stored task's history, so a
// resumed session looks like the live one. Shapes: docs/runtime.md "What a turn streams"
// and src/bosun/runtime/protocol.py.
import { field, taskState, type StreamResponse, type WireArtifact, type WireMessage, type WirePart, type WireTask } from "./a2a";

export type ToolStatus = "requested" | "pending" | "running" | "done" | "failed" | "denied";

export interface ToolCall {
  id: string;
  name: string;
  args: unknown;
  status: ToolStatus;
  result?: unknown;
  error?: string;
  agent?: string; // the sub-agent (its tool name) whose call this is
  parentId?: string; // our call to that sub-agent
  children: string[];
  decision?: { approved: boolean; reason?: string };
}

export interface FileRef {
  name: string;
  mediaType: string;
  size?: number;
  url: string; // blob: or the part's own URL
}

export interface Question {
  question: string;
  choices: string[];
  multiple: boolean;
}

export interface InputRequest {
  id: string;
  kind: "approval" | "question";
  tool: string;
  arguments?: unknown;
  questions: Question[];
  agent?: string;
  parentId?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  requests?: number;
  toolCalls?: number;
  model?: string;
}

export type Item = { kind: "text"; text: string } | { kind: "tool"; id: string } | { kind: "artifact"; name: string; text: string };

export interface Turn {
  key: string;
  taskId?: string;
  prompt: string;
  promptFiles: FileRef[];
  items: Item[];
  tools: Record<string, ToolCall>;
  state: string; // sending, submitted, working, input-required, completed, failed, canceled, rejected
  requests: InputRequest[];
  answer: string;
  statusText?: string;
  usage: Usage[];
  files: FileRef[];
  answered: string[]; // what the user sent on the paused task (e.g. "approved calculate")
  seen: string[]; // message ids already applied (history replay meets them twice)
}

export const FINAL_STATES = ["completed", "failed", "canceled", "rejected"];

export function newTurn(key: string, prompt: string, promptFiles: FileRef[] = []): Turn {
  return {
    key,
    prompt,
    promptFiles,
    items: [],
    tools: {},
    state: "sending",
    requests: [],
    answer: "",
    usage: [],
    files: [],
    answered: [],
    seen: [],
  };
}

function copy(t: Turn): Turn {
  return { ...t, items: [...t.items], tools: { ...t.tools }, usage: [...t.usage], files: [...t.files] };
}

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v) || 0);

export function readUsage(metadata: unknown): Usage | undefined {
  const u = field<Record<string, unknown>>(metadata, "usage");
  if (!u || typeof u !== "object") return undefined;
  return {
    inputTokens: num(field(u, "inputTokens")),
    outputTokens: num(field(u, "outputTokens")),
    requests: field(u, "requests") === undefined ? undefined : num(field(u, "requests")),
    toolCalls: field(u, "toolCalls") === undefined ? undefined : num(field(u, "toolCalls")),
    model: field<string>(u, "model"),
  };
}

const blobs = new Map<string, string>();

/** A file part (bytes or URL) as something the page can show and download. */
export function fileOf(part: WirePart, cacheKey: string): FileRef | undefined {
  const name = part.filename || "attachment";
  const mediaType = field<string>(part, "mediaType") || "application/octet-stream";
  if (typeof part.url === "string" && part.url) return { name, mediaType, url: part.url };
  if (typeof part.raw !== "string") return undefined;
  let url = blobs.get(cacheKey);
  const bytes = atob(part.raw);
  if (!url) {
    const data = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
    url = URL.createObjectURL(new Blob([data], { type: mediaType }));
    blobs.set(cacheKey, url);
  }
  return { name, mediaType, size: bytes.length, url };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function addText(t: Turn, text: string, dedupe: boolean) {
  if (!text.trim()) return;
  // A streaming agent's text next to tool calls arrives twice (streamed, then whole), and
  // a resumed task repeats the text it wrote before the pause.
  if (dedupe && t.items.some((i) => i.kind === "text" && i.text.trim() === text.trim())) return;
  t.items.push({ kind: "text", text });
}

function upsertTool(t: Turn, data: Record<string, unknown>) {
  const id = String(data.id ?? "");
  if (!id) return;
  const before = t.tools[id];
  const parentId = field<string>(data, "parentId");
  const tool: ToolCall = before
    ? { ...before }
    : { id, name: String(data.name ?? "tool"), args: data.arguments, status: "requested", children: [] };
  if (data.name) tool.name = String(data.name);
  if (field(data, "agent")) tool.agent = String(field(data, "agent"));
  if (parentId) tool.parentId = parentId;
  if (data.type === "tool_call") {
    if (data.arguments !== undefined) tool.args = data.arguments;
    if (!["done", "failed", "denied"].includes(tool.status)) {
      tool.status = data.status === "pending" ? "pending" : data.status === "running" ? "running" : "requested";
    }
  } else {
    tool.status = data.status === "success" ? "done" : data.status === "denied" ? "denied" : "failed";
    if ("result" in data) tool.result = data.result;
    if (typeof data.error === "string") tool.error = data.error;
  }
  t.tools[id] = tool;
  if (!before) {
    const parent = parentId ? t.tools[parentId] : undefined;
    if (parent) t.tools[parentId!] = { ...parent, children: [...parent.children, id] };
    else t.items.push({ kind: "tool", id });
  }
}

function readRequests(t: Turn, data: Record<string, unknown>) {
  const list = Array.isArray(data.requests) ? data.requests : [];
  t.requests = list.filter(isRecord).map((r) => ({
    id: String(r.id),
    kind: r.kind === "question" ? "question" : "approval",
    tool: String(r.tool ?? ""),
    arguments: r.arguments,
    questions: (Array.isArray(r.questions) ? r.questions : []).filter(isRecord).map((q) => ({
      question: String(q.question ?? ""),
      choices: Array.isArray(q.choices) ? q.choices.map(String) : [],
      multiple: q.multiple === true,
    })),
    agent: field<string>(r, "agent"),
    parentId: field<string>(r, "parentId"),
  }));
  for (const r of t.requests) {
    if (r.kind !== "approval") continue;
    upsertTool(t, { type: "tool_call", id: r.id, name: r.tool, arguments: r.arguments, status: "pending", agent: r.agent, parent_id: r.parentId });
  }
}

/** An agent message: tool events, input requests, files, text (model text unless final). */
function agentMessage(t: Turn, message: WireMessage | undefined, state: string) {
  if (!message) return;
  const id = field<string>(message, "messageId");
  if (id) {
    if (t.seen.includes(id)) return;
    t.seen = [...t.seen, id];
  }
  let text = "";
  let asks = false;
  (message.parts ?? []).forEach((part, index) => {
    if (typeof part.text === "string") text += part.text;
    else if (isRecord(part.data)) {
      const data = part.data;
      if (data.type === "tool_call" || data.type === "tool_result") upsertTool(t, data);
      else if (data.type === "input_required") {
        readRequests(t, data);
        asks = true;
      }
    } else {
      const file = fileOf(part, `${id}:${index}`);
      if (file) t.files.push(file);
    }
  });
  const usage = readUsage(message.metadata);
  if (usage) t.usage.push(usage);
  if (asks || state === "input-required") {
    if (!asks && text) t.statusText = text; // else the text only repeats the requests
  } else if (state === "completed") {
    if (text && !t.answer) setAnswer(t, text);
  } else if (FINAL_STATES.includes(state)) {
    if (text) t.statusText = text;
  } else {
    addText(t, text, true);
  }
}

function setAnswer(t: Turn, text: string) {
  t.answer = text;
  const last = t.items[t.items.length - 1];
  if (last?.kind === "text") t.items[t.items.length - 1] = { kind: "text", text };
  else addText(t, text, false);
}

function artifact(t: Turn, art: WireArtifact | undefined, append: boolean, lastChunk: boolean) {
  if (!art) return;
  const parts = art.parts ?? [];
  const text = parts.map((p) => p.text ?? "").join("");
  parts.forEach((part, index) => {
    const file = part.text === undefined && part.data === undefined ? fileOf(part, `${field(art, "artifactId")}:${index}`) : undefined;
    if (file) t.files.push(file);
  });
  if (art.name && art.name !== "answer") {
    if (text) t.items.push({ kind: "artifact", name: art.name, text });
    return;
  }
  if (lastChunk && !append) {
    setAnswer(t, text); // the whole answer once more: replaces what streamed
    return;
  }
  const last = t.items[t.items.length - 1];
  if (append && last?.kind === "text") t.items[t.items.length - 1] = { kind: "text", text: last.text + text };
  else if (text) t.items.push({ kind: "text", text });
}

function setState(t: Turn, state: string) {
  if (!state) return;
  t.state = state;
  if (state !== "input-required") t.requests = [];
  if (FINAL_STATES.includes(state)) {
    for (const [id, tool] of Object.entries(t.tools)) {
      if (["running", "requested", "pending"].includes(tool.status) && state !== "completed") {
        t.tools[id] = { ...tool, status: "failed", error: tool.error ?? `the turn ended ${state}` };
      }
    }
  }
}

/** Apply one streamed update. */
export function applyStream(turn: Turn, response: StreamResponse): Turn {
  const t = copy(turn);
  const task = field<WireTask>(response, "task");
  const update = field<{ taskId?: string; status?: { state?: string; message?: WireMessage } }>(response, "statusUpdate");
  const artUpdate = field<Record<string, unknown>>(response, "artifactUpdate");
  const direct = field<WireMessage>(response, "message");
  if (task) {
    t.taskId = task.id ?? t.taskId;
    const state = taskState(task.status?.state);
    agentMessage(t, task.status?.message, state);
    setState(t, state);
  } else if (update) {
    t.taskId = field<string>(update, "taskId") ?? t.taskId;
    const state = taskState(update.status?.state);
    agentMessage(t, update.status?.message, state);
    setState(t, state);
  } else if (artUpdate) {
    t.taskId = field<string>(artUpdate, "taskId") ?? t.taskId;
    artifact(t, field<WireArtifact>(artUpdate, "artifact"), field(artUpdate, "append") === true, field(artUpdate, "lastChunk") === true);
  } else if (direct) {
    agentMessage(t, direct, "completed");
    setState(t, "completed");
  }
  return t;
}

/** What the user sent on a paused task, in words (shown under the turn). */
function describeAnswer(t: Turn, message: WireMessage) {
  for (const part of message.parts ?? []) {
    if (typeof part.text === "string" && part.text.trim()) t.answered.push(`You wrote: ${part.text}`);
    if (!isRecord(part.data)) continue;
    const decisions = isRecord(part.data.decisions) ? part.data.decisions : {};
    for (const [id, value] of Object.entries(decisions)) {
      const approved = value === true || (isRecord(value) && value.approved === true);
      const reason = isRecord(value) && typeof value.reason === "string" ? value.reason : undefined;
      const tool = t.tools[id];
      if (tool) t.tools[id] = { ...tool, decision: { approved, reason } };
    }
    const answers = isRecord(part.data.answers) ? part.data.answers : {};
    for (const value of Object.values(answers)) {
      t.answered.push(`You answered: ${Array.isArray(value) ? value.join(", ") : String(value)}`);
    }
  }
}

export function recordAnswer(turn: Turn, message: WireMessage): Turn {
  const t = copy(turn);
  t.answered = [...t.answered];
  describeAnswer(t, message);
  return t;
}

/** A stored task (GET /api/sessions/{id}/tasks: `task` is the A2A Task JSON) as a turn. */
export function turnFromTask(task: WireTask): Turn {
  const history = task.history ?? [];
  const first = history.find((m) => (m.role ?? "").toLowerCase().includes("user"));
  let prompt = "";
  const promptFiles: FileRef[] = [];
  (first?.parts ?? []).forEach((part, index) => {
    if (typeof part.text === "string") prompt += part.text;
    else if (!isRecord(part.data)) {
      const file = fileOf(part, `${first?.messageId}:${index}`);
      if (file) promptFiles.push(file);
    }
  });
  let t = newTurn(task.id ?? newIdLike(), prompt, promptFiles);
  t.taskId = task.id;
  for (const message of history) {
    if (message === first) continue;
    if ((message.role ?? "").toLowerCase().includes("user")) {
      t = recordAnswer(t, message);
      continue;
    }
    const c = copy(t);
    agentMessage(c, message, "working");
    t = c;
  }
  for (const art of task.artifacts ?? []) {
    const c = copy(t);
    artifact(c, art, false, true);
    t = c;
  }
  const state = taskState(task.status?.state);
  const c = copy(t);
  agentMessage(c, task.status?.message, state);
  setState(c, state);
  return c;
}

let counter = 0;
function newIdLike(): string {
  counter += 1;
  return `turn-${counter}`;
}

export function totalUsage(turn: Turn): Usage | undefined {
  if (!turn.usage.length) return undefined;
  return turn.usage.reduce(
    (sum, u) => ({
      inputTokens: sum.inputTokens + u.inputTokens,
      outputTokens: sum.outputTokens + u.outputTokens,
      requests: (sum.requests ?? 0) + (u.requests ?? 0),
      toolCalls: (sum.toolCalls ?? 0) + (u.toolCalls ?? 0),
      model: u.model ?? sum.model,
    }),
    { inputTokens: 0, outputTokens: 0, requests: 0, toolCalls: 0 } as Usage,
  );
}
