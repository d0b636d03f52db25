// A tool call as a card: status (requested → running → done/failed/rejected), arguments
// and result collapsible and pretty-printed, long output cut with "Show all". A call to a
// sub-agent holds the sub-agent's own calls nested inside, and links to its session.
import { useState } from "react";
import { Link } from "react-router-dom";
import type { ToolCall, Turn } from "./model";
import { SessionContext, useSubAgent } from "./subagents";

const LIMIT = 1500;

export function pretty(value: unknown): string {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if ((trimmed.startsWith("{") && trimmed.endsWith("}")) || (trimmed.startsWith("[") && trimmed.endsWith("]"))) {
      try {
        return JSON.stringify(JSON.parse(trimmed), null, 2);
      } catch {
        /* not JSON after all */
      }
    }
    return value;
  }
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function LongText({ text, label }: { text: string; label: string }) {
  const [all, setAll] = useState(false);
  const long = text.length > LIMIT;
  return (
    <>
      <pre className="tool-pre" aria-label={label}>
        {long && !all ? `${text.slice(0, LIMIT)}…` : text}
      </pre>
      {long && (
        <button type="button" className="linkish" onClick={() => setAll(!all)}>
          {all ? "Show less" : `Show all (${text.length.toLocaleString()} characters)`}
        </button>
      )}
    </>
  );
}

const LABELS: Record<string, string> = {
  requested: "requested",
  pending: "waiting for you",
  running: "running",
  done: "done",
  failed: "failed",
  denied: "rejected",
};

export function ToolCard({ tool, turn }: { tool: ToolCall; turn: Turn }) {
  const sub = useSubAgent(tool);
  const children = tool.children.map((id) => turn.tools[id]).filter(Boolean);
  const status = LABELS[tool.status] ?? tool.status;
  const compact = tool.args === undefined ? "" : JSON.stringify(tool.args);
  const preview = compact && compact !== "{}" && compact.length <= 80 ? compact : "";
  const hasArgs = tool.args !== undefined && !(typeof tool.args === "object" && tool.args && Object.keys(tool.args).length === 0);
  return (
    <div className={`tool-card status-${tool.status}${sub ? " subagent" : ""}`} role="group" aria-label={`Tool ${tool.name}: ${status}`}>
      <div className="tool-head">
        <span className="tool-dot" aria-hidden="true" />
        <span className="tool-name mono">{tool.name}</span>
        {preview && <span className="tool-preview mono muted">{preview}</span>}
        {sub && <span className="tool-tag">sub-agent {sub.ref}</span>}
        <span className={`tool-status ${tool.status}`}>{status}</span>
      </div>
      {hasArgs && (
        <details className="tool-section">
          <summary>Arguments</summary>
          <LongText text={pretty(tool.args)} label={`Arguments of ${tool.name}`} />
        </details>
      )}
      {(children.length > 0 || sub) && (
        <div className="tool-children" role="group" aria-label={`Calls made by ${sub?.ref ?? tool.name}`}>
          <SessionContext.Provider value={sub?.sessionId ?? ""}>
            {children.map((c) => (
              <ToolCard key={c.id} tool={c} turn={turn} />
            ))}
          </SessionContext.Provider>
          {sub?.sessionUrl && (
            <Link className="small" to={sub.sessionUrl}>
              Open {sub.ref}'s session
            </Link>
          )}
        </div>
      )}
      {tool.result !== undefined && (
        <details className="tool-section" open={!sub && pretty(tool.result).length < 200}>
          <summary>Result</summary>
          <LongText text={pretty(tool.result)} label={`Result of ${tool.name}`} />
        </details>
      )}
      {tool.error && (
        <div className="tool-error" role={tool.status === "failed" ? "alert" : undefined}>
          <LongText text={tool.error} label={`Error of ${tool.name}`} />
        </div>
      )}
      {tool.decision && (
        <p className="muted small">
          {tool.decision.approved ? "You approved this call." : `You rejected this call${tool.decision.reason ? `: ${tool.decision.reason}` : "."}`}
        </p>
      )}
    </div>
  );
}
