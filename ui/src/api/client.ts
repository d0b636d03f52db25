// The one way the UI talks to the control plane: its REST API (docs/api.md), its SSE
// streams and the A2A proxy. Never an agent pod directly.

/** An error answer of the control plane: {"error","field","message","errors":[...]} */
export interface FieldError {
  field?: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly errors: FieldError[];

  constructor(status: number, code: string, message: string, field?: string, errors: FieldError[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.errors = errors.length ? errors : [{ field, message }];
  }

  /** The message for a given field path (kubectl notation, e.g. spec.tools[0].mcpServer). */
  forField(path: string): string | undefined {
    return this.errors.find((e) => e.field === path)?.message;
  }
}

const TOKEN_KEY = "bosun.token";

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event("bosun-auth"));
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function toError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = await res.json();
  } catch {
    /* not JSON: keep the status text */
  }
  const message = typeof body.message === "string" ? body.message : `${res.status} ${res.statusText}`;
  const errors = Array.isArray(body.errors) ? (body.errors as FieldError[]) : [];
  const err = new ApiError(
    res.status,
    typeof body.error === "string" ? body.error : "http_error",
    message,
    typeof body.field === "string" ? body.field : undefined,
    errors,
  );
  if (res.status === 401) window.dispatchEvent(new CustomEvent("bosun-unauthorized", { detail: err }));
  return err;
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      ...authHeaders(),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>("GET", path, undefined, signal);
export const post = <T>(path: string, body: unknown) => api<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);
export const patch = <T>(path: string, body: unknown) => api<T>("PATCH", path, body);
export const del = (path: string) => api<void>("DELETE", path);

/** POST a JSON-RPC request and read its SSE answer, one parsed `data:` payload at a time. */
export async function* postSse(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<unknown> {
  const res = await fetch(path, {
    method: "POST",
    headers: { ...authHeaders(), "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await toError(res);
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream")) {
    yield await res.json(); // a JSON-RPC error comes back as plain JSON
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
      if (data) yield JSON.parse(data);
    }
  }
}
