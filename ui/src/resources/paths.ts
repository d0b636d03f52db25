// Immutable get/set by path inside a manifest. The form edits the manifest object itself,
// so every field it does not know stays exactly as the user (or the YAML) wrote it.

export type PathKey = string | number;
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export function getIn(obj: unknown, path: PathKey[]): Any {
  let cur: Any = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[key];
  }
  return cur;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

/**
 * A copy of `obj` with `path` set to `value`. `undefined` deletes the key, and parents
 * left empty by a deletion are removed too (a cleared field leaves no `{}` behind).
 */
export function setIn<T>(obj: T, path: PathKey[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [key, ...rest] = path;
  const base: Any = obj !== null && typeof obj === "object" ? obj : typeof key === "number" ? [] : {};
  const child = setIn(base[key], rest, value);
  const copy: Any = Array.isArray(base) ? [...base] : { ...base };
  if (child === undefined || (rest.length > 0 && value === undefined && isEmpty(child))) {
    if (Array.isArray(copy)) copy.splice(key as number, 1);
    else delete copy[key];
  } else {
    copy[key] = child;
  }
  return copy;
}

/** Empty strings mean "not set" in a form. */
export const orUndefined = (text: string): string | undefined => (text.trim() === "" ? undefined : text);

// Maps whose emptiness means nothing (an empty object elsewhere, e.g. promptTemplate: {} or
// stdioTransport: {}, says "on" and is kept).
const EMPTY_MEANS_UNSET = new Set(["labels", "annotations", "defaultHeaders", "options", "nodeSelector"]);

/** Drops empty lists and maps the server fills in as defaults, status and server-set metadata. */
export function forEditing<T extends object>(resource: T): T {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const s = strip(v);
        if (Array.isArray(s) && s.length === 0) continue;
        if (EMPTY_MEANS_UNSET.has(k) && s && typeof s === "object" && Object.keys(s).length === 0) continue;
        out[k] = s;
      }
      return out;
    }
    return value;
  };
  const copy = strip(resource) as Record<string, Any>;
  delete copy.status;
  if (copy.metadata) {
    const { uid: _u, generation: _g, creationTimestamp: _c, ...meta } = copy.metadata;
    void _u;
    void _g;
    void _c;
    copy.metadata = meta;
  }
  return copy as T;
}

/** Splits an API field path (kubectl notation) into keys: `a.b[0].c` → ["a","b",0,"c"]. */
export function parsePath(path: string): PathKey[] {
  const keys: PathKey[] = [];
  for (const part of path.split(".")) {
    const m = part.match(/^([^[]*)((\[\d+\])*)$/);
    if (!m) {
      keys.push(part);
      continue;
    }
    if (m[1]) keys.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(idx[1]));
  }
  return keys;
}
