// A paused task: approve or reject each call (with a reason), answer ask_user questions,
// then send everything in one message on the same task (the runtime runs nothing until
// every request has an answer). "Approve all" approves every call of the batch and sends.
// When the panel appears, keyboard focus moves to its first control (the first Approve, or
// the first answer field), so a keyboard or screen-reader user lands on what waits for them.
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { InputRequest } from "./model";
import { pretty } from "./ToolCard";

type Decision = { approved: boolean; reason: string };

export function InputPanel({
  requests,
  onSend,
  disabled,
}: {
  requests: InputRequest[];
  onSend: (decisions: Record<string, { approved: boolean; reason?: string }>, answers: Record<string, string | string[]>) => void;
  disabled: boolean;
}) {
  const [decisions, setDecisions] = useState<Record<string, Decision>>({});
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const form = useRef<HTMLFormElement>(null);
  const focused = useRef(false);
  useEffect(() => {
    // Once per panel, as soon as its controls are enabled (never steals focus back later).
    if (focused.current || disabled || !form.current) return;
    focused.current = true;
    const first = form.current.querySelector<HTMLElement>("button:not([disabled]), input:not([disabled])");
    (first ?? form.current.querySelector<HTMLElement>(".input-title"))?.focus();
  }, [disabled]);
  const approvals = requests.filter((r) => r.kind === "approval");
  const questions = requests.filter((r) => r.kind === "question");

  const answered = (r: InputRequest) =>
    r.kind === "approval" ? !!decisions[r.id] : r.questions.every((_, i) => (answers[r.id]?.[i] ?? "").trim() !== "");
  const complete = requests.every(answered);

  function send(final: Record<string, Decision>) {
    const out: Record<string, { approved: boolean; reason?: string }> = {};
    for (const [id, d] of Object.entries(final)) out[id] = d.approved ? { approved: true } : { approved: false, reason: d.reason.trim() || undefined };
    const replies: Record<string, string | string[]> = {};
    for (const q of questions) {
      const values = answers[q.id] ?? [];
      replies[q.id] = q.questions.length === 1 ? values[0] ?? "" : q.questions.map((_, i) => values[i] ?? "");
    }
    onSend(out, replies);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (complete && !disabled) send(decisions);
  }

  function approveAll() {
    const all = { ...decisions };
    for (const r of approvals) all[r.id] = { approved: true, reason: "" };
    setDecisions(all);
    if (questions.every(answered)) send(all);
  }

  const decide = (id: string, approved: boolean) =>
    setDecisions({ ...decisions, [id]: { approved, reason: decisions[id]?.reason ?? "" } });

  const setAnswer = (id: string, index: number, value: string) => {
    const values = [...(answers[id] ?? [])];
    values[index] = value;
    setAnswers({ ...answers, [id]: values });
  };

  return (
    <form ref={form} className="input-panel" onSubmit={submit} aria-label="The agent is waiting for you">
      <h3 className="input-title" tabIndex={-1}>
        {approvals.length && questions.length
          ? "Waiting for your approval and answers"
          : approvals.length
            ? approvals.length > 1
              ? `${approvals.length} calls wait for your approval`
              : "A call waits for your approval"
            : "The agent asks"}
      </h3>
      {approvals.map((r) => {
        const d = decisions[r.id];
        return (
          <fieldset key={r.id} className="approval">
            <legend>
              Approve <span className="mono">{r.tool}</span>
              {r.agent ? <span className="muted"> (asked by sub-agent {r.agent})</span> : null}?
            </legend>
            <pre className="tool-pre" aria-label={`Arguments of ${r.tool}`}>
              {pretty(r.arguments)}
            </pre>
            <div className="row">
              <button type="button" className={d?.approved ? "primary" : ""} aria-pressed={d?.approved === true} disabled={disabled} onClick={() => decide(r.id, true)}>
                Approve
              </button>
              <button type="button" className={d && !d.approved ? "danger pressed" : "danger"} aria-pressed={d?.approved === false} disabled={disabled} onClick={() => decide(r.id, false)}>
                Reject
              </button>
              {d && <span className="muted small">{d.approved ? "will run" : "will be rejected"}</span>}
            </div>
            {d && !d.approved && (
              <div className="reason">
                <label htmlFor={`reason-${r.id}`}>Reason for rejecting {r.tool}</label>
                <input
                  id={`reason-${r.id}`}
                  value={d.reason}
                  placeholder="optional: tell the agent why"
                  onChange={(e) => setDecisions({ ...decisions, [r.id]: { approved: false, reason: e.target.value } })}
                  autoFocus
                />
              </div>
            )}
          </fieldset>
        );
      })}
      {questions.map((r) =>
        r.questions.map((q, i) => {
          const id = `q-${r.id}-${i}`;
          const value = answers[r.id]?.[i] ?? "";
          if (!q.choices.length) {
            return (
              <div key={id} className="question">
                <label htmlFor={id}>{q.question}</label>
                <input id={id} value={value} onChange={(e) => setAnswer(r.id, i, e.target.value)} disabled={disabled} />
              </div>
            );
          }
          const picked = value ? value.split(", ") : [];
          return (
            <fieldset key={id} className="question">
              <legend>{q.question}</legend>
              {q.choices.map((choice) => (
                <label key={choice} className="choice">
                  <input
                    type={q.multiple ? "checkbox" : "radio"}
                    name={id}
                    value={choice}
                    checked={picked.includes(choice)}
                    disabled={disabled}
                    onChange={(e) => {
                      const next = q.multiple
                        ? e.target.checked
                          ? [...picked, choice]
                          : picked.filter((p) => p !== choice)
                        : [choice];
                      setAnswer(r.id, i, next.join(", "));
                    }}
                  />{" "}
                  {choice}
                </label>
              ))}
            </fieldset>
          );
        }),
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={!complete || disabled}>
          {questions.length && !approvals.length ? "Send answer" : "Send decisions"}
        </button>
        {approvals.length > 1 || (approvals.length === 1 && questions.length === 0) ? (
          <button type="button" onClick={approveAll} disabled={disabled}>
            {approvals.length > 1 ? "Approve all" : "Approve and send"}
          </button>
        ) : null}
        {!complete && <span className="muted small">Answer every request to continue.</span>}
      </div>
    </form>
  );
}
