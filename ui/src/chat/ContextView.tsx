// What the agent holds for this session, from the events the runtime stores
// (docs/runtime.md "Sessions and tasks"): {"kind":"messages","messages":[pydantic-ai
// ModelMessage...]} per turn and {"kind":"compaction","summary","cut"} when older
// messages were replaced by a summary. Token figures are the model's own counts from
// the stored responses; what the next request will cost is an estimate.
import { useEffect, useState } from "react";
import { get } from "../api/client";
import type { SessionEvent } from "../api/types";
import { errorText } from "./store";

interface Summary {
  events: number;
  stored: number; // messages stored in total
  held: number; // messages the next turn starts from (after compactions)
  compactions: number;
  lastSummary?: string;
  lastInput?: number; // input tokens of the last model request ≈ the context size
  output: number;
  requests: number;
  model?: string;
}

function summarise(events: SessionEvent[]): Summary {
  const s: Summary = { events: events.length, stored: 0, held: 0, compactions: 0, output: 0, requests: 0 };
  for (const e of events) {
    const data = e.data as Record<string, unknown>;
    if (data.kind === "compaction") {
      const cut = Number(data.cut) || 0;
      s.compactions += 1;
      s.held = Math.max(0, s.held - cut) + 1; // the summary replaces the first `cut` messages
      if (typeof data.summary === "string") s.lastSummary = data.summary;
    } else if (Array.isArray(data.messages)) {
      for (const m of data.messages as Record<string, unknown>[]) {
        s.stored += 1;
        s.held += 1;
        const usage = m.usage as Record<string, number> | undefined;
        if (m.kind === "response" && usage) {
          s.lastInput = usage.input_tokens ?? usage.inputTokens ?? s.lastInput;
          s.output += usage.output_tokens ?? usage.outputTokens ?? 0;
          s.requests += 1;
          if (typeof m.model_name === "string") s.model = m.model_name;
        }
      }
    }
  }
  return s;
}

export function ContextView({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    get<SessionEvent[]>(`/api/sessions/${encodeURIComponent(sessionId)}/events?limit=1000`)
      .then((events) => setSummary(summarise(events)))
      .catch((err) => setError((err as { status?: number }).status === 404 ? "Nothing stored for this session yet." : errorText(err)));
  }, [sessionId]);
  return (
    <section className="context-view panel" aria-label="Context the agent holds">
      <div className="row">
        <h3 className="grow">Context</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {error && <p className="muted">{error}</p>}
      {summary && (
        <>
          <dl className="facts">
            <dt>Messages held</dt>
            <dd>{summary.held}</dd>
            <dt>Messages stored</dt>
            <dd>{summary.stored}</dd>
            <dt>Compacted</dt>
            <dd>{summary.compactions ? `yes, ${summary.compactions} time${summary.compactions > 1 ? "s" : ""}` : "no"}</dd>
            <dt>Context size</dt>
            <dd>{summary.lastInput === undefined ? "–" : `≈ ${summary.lastInput.toLocaleString()} tokens (input of the last model request)`}</dd>
            <dt>Model requests</dt>
            <dd>
              {summary.requests}, {summary.output.toLocaleString()} output tokens{summary.model ? ` (${summary.model})` : ""}
            </dd>
          </dl>
          {summary.lastSummary && (
            <details>
              <summary>Latest summary</summary>
              <pre className="tool-pre">{summary.lastSummary}</pre>
            </details>
          )}
          <p className="muted small">
            From the {summary.events} events the runtime stored. The size of the next request also includes the system prompt, tool definitions and your next message.
          </p>
        </>
      )}
    </section>
  );
}
