// A2A JSON-RPC through the control plane's proxy (POST /api/a2a/{ns}/{name}; docs/api.md).
// A2A 1.0 method names (SendStreamingMessage, CancelTask) with the `A2A-Version: 1.0`
// header the a2a-sdk server checks (without it the request is taken as v0.3). The wire is
// protobuf JSON (camelCase); `field()` also reads snake_case so a server that switches
// spelling keeps working.
import { ApiError, authHeaders } from "../api/client";

export interface WirePart {
  text?: string;
  data?: unknown;
  raw?: string; // base64 bytes
  url?: string;
  filename?: string;
  mediaType?: string;
  media_type?: string;
  metadata?: Record<string, unknown>;
}

export interface WireMessage {
  messageId?: string;
  contextId?: string;
  taskId?: string;
  role?: string;
  parts?: WirePart[];
  metadata?: Record<string, unknown>;
}

export interface WireStatus {
  state?: string;
  message?: WireMessage;
  timestamp?: string;
}

export interface WireArtifact {
  artifactId?: string;
  name?: string;
  parts?: WirePart[];
}

export interface WireTask {
  id?: string;
  contextId?: string;
  status?: WireStatus;
  history?: WireMessage[];
  artifacts?: WireArtifact[];
}

/** One `result` of a streamed answer: exactly one of its keys is set. */
export interface StreamResponse {
  task?: WireTask;
  message?: WireMessage;
  statusUpdate?: { taskId?: string; contextId?: string; status?: WireStatus };
  artifactUpdate?: { taskId?: string; artifact?: WireArtifact; append?: boolean; lastChunk?: boolean };
}

export class RpcError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** obj[camelName] or obj[snake_name]. */
export function field<T = unknown>(obj: unknown, camel: string): T | undefined {
  if (!obj || typeof obj !== "object") return undefined;
  const record = obj as Record<string, unknown>;
  if (camel in record) return record[camel] as T;
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return record[snake] as T | undefined;
}

/** "TASK_STATE_INPUT_REQUIRED" (1.0) or "input-required" (0.3) -> "input-required". */
export function taskState(state: string | undefined): string {
  if (!state) return "";
  return state.toLowerCase().replace(/^task_state_/, "").replace(/_/g, "-");
}

export function newId(): string {
  // crypto.randomUUID needs a secure context; getRandomValues works everywhere.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function proxyPath(namespace: string, name: string): string {
  return `/api/a2a/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

function headers(stream: boolean): Record<string, string> {
  return {
    ...authHeaders(),
    "Content-Type": "application/json",
    "A2A-Version": "1.0",
    Accept: stream ? "text/event-stream" : "application/json",
  };
}

async function httpError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const message = typeof body.message === "string" ? body.message : `${res.status} ${res.statusText}`;
  const err = new ApiError(res.status, typeof body.error === "string" ? body.error : "http_error", message);
  if (res.status === 401) window.dispatchEvent(new CustomEvent("bosun-unauthorized", { detail: err }));
  return err;
}

function unwrap(payload: unknown): unknown {
  const error = field<{ code?: number; message?: string }>(payload, "error");
  if (error) throw new RpcError(error.code ?? 0, error.message ?? "the agent answered with an error");
  return field(payload, "result");
}

/** A JSON-RPC call answered with one JSON result. */
export async function rpc(path: string, method: string, params: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method: "POST",
    headers: headers(false),
    body: JSON.stringify({ jsonrpc: "2.0", id: newId(), method, params }),
  });
  if (!res.ok) throw await httpError(res);
  return unwrap(await res.json());
}

/** A streaming JSON-RPC call: yields each SSE event's `result`. */
export async function* rpcStream(
  path: string,
  method: string,
  params: unknown,
  signal?: AbortSignal,
): AsyncGenerator<StreamResponse> {
  const res = await fetch(path, {
    method: "POST",
    headers: headers(true),
    body: JSON.stringify({ jsonrpc: "2.0", id: newId(), method, params }),
    signal,
  });
  if (!res.ok) throw await httpError(res);
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    yield unwrap(await res.json()) as StreamResponse; // errors (not ready, ...) come as plain JSON
    return;
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const data = chunk
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) yield unwrap(JSON.parse(data)) as StreamResponse;
    }
  }
}
