// The agent's sessions (GET /api/sessions?agent=ns/name), newest first, grouped by day;
// rename (PATCH) and delete (DELETE, after a confirmation) in place.
import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { del, get, patch } from "../api/client";
import type { Session } from "../api/types";
import { Pencil, Trash } from "./icons";
import { errorText } from "./store";

function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((start(now) - start(d)) / 86_400_000);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 7) return "Previous 7 days";
  if (days < 30) return "Previous 30 days";
  return d.toLocaleDateString(undefined, { year: "numeric", month: "long" });
}

export function sessionTitle(s: Session): string {
  return s.name || `Session ${new Date(s.created_at).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}`;
}

function Row({ s, base, current, onChanged, onDeleted }: { s: Session; base: string; current: boolean; onChanged: () => void; onDeleted: (id: string) => void }) {
  const [mode, setMode] = useState<"view" | "rename" | "delete">("view");
  const [name, setName] = useState(s.name ?? "");
  const [error, setError] = useState<string | null>(null);
  const title = sessionTitle(s);
  async function rename() {
    try {
      await patch(`/api/sessions/${encodeURIComponent(s.id)}`, { name: name.trim() });
      setMode("view");
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  }
  async function remove() {
    try {
      await del(`/api/sessions/${encodeURIComponent(s.id)}`);
      onDeleted(s.id);
    } catch (err) {
      setError(errorText(err));
    }
  }
  return (
    <li className={current ? "current" : ""}>
      {mode === "rename" ? (
        <form
          className="session-edit"
          onSubmit={(e) => {
            e.preventDefault();
            rename();
          }}
        >
          <label className="sr-only" htmlFor={`rename-${s.id}`}>
            New name for {title}
          </label>
          <input id={`rename-${s.id}`} value={name} autoFocus onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === "Escape" && setMode("view")} />
          <button type="submit" className="primary" disabled={!name.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setMode("view")}>
            Cancel
          </button>
        </form>
      ) : mode === "delete" ? (
        <div className="session-edit" role="group" aria-label={`Delete ${title}?`}>
          <span className="small">Delete “{title}”?</span>
          <button type="button" className="danger" onClick={remove} autoFocus>
            Delete
          </button>
          <button type="button" onClick={() => setMode("view")}>
            Keep
          </button>
        </div>
      ) : (
        <div className="session-row">
          <Link to={`${base}/${encodeURIComponent(s.id)}`} aria-current={current ? "page" : undefined} title={title}>
            {title}
          </Link>
          <button type="button" className="icon" aria-label={`Rename ${title}`} onClick={() => setMode("rename")}>
            <Pencil />
          </button>
          <button type="button" className="icon" aria-label={`Delete ${title}`} onClick={() => setMode("delete")}>
            <Trash />
          </button>
        </div>
      )}
      {error && <div className="field-error">{error}</div>}
    </li>
  );
}

export function SessionList({ namespace, name, current, onDeleted }: { namespace: string; name: string; current?: string; onDeleted: (id: string) => void }) {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/chat/${namespace}/${name}`;
  const load = useCallback(() => {
    get<Session[]>(`/api/sessions?agent=${encodeURIComponent(`${namespace}/${name}`)}&limit=200`)
      .then((list) => {
        setSessions(list);
        setError(null);
      })
      .catch((err) => setError(errorText(err)));
  }, [namespace, name]);
  useEffect(() => {
    load();
    window.addEventListener("bosun-sessions-changed", load);
    return () => window.removeEventListener("bosun-sessions-changed", load);
  }, [load, current]);

  const groups: [string, Session[]][] = [];
  for (const s of sessions ?? []) {
    const label = dayLabel(s.updated_at);
    const group = groups.find(([l]) => l === label);
    if (group) group[1].push(s);
    else groups.push([label, [s]]);
  }
  return (
    <nav className="sessions" aria-label="Sessions">
      <Link className="button primary new-session" to={base}>
        New session
      </Link>
      {error && <div className="error-banner">{error}</div>}
      {sessions && sessions.length === 0 && <p className="muted small">No sessions with {name} yet.</p>}
      {groups.map(([label, list]) => (
        <section key={label} aria-label={label}>
          <h3 className="session-day">{label}</h3>
          <ul>
            {list.map((s) => (
              <Row
                key={s.id}
                s={s}
                base={base}
                current={s.id === current}
                onChanged={load}
                onDeleted={(id) => {
                  setSessions((now) => (now ?? []).filter((x) => x.id !== id));
                  onDeleted(id);
                }}
              />
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
