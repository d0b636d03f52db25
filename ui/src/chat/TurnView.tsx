// One turn on screen: the user's message (with attachments), then what the agent did in
// order (text, tool cards), its answer, files it returned, token usage, copy and feedback.
import { useEffect, useState } from "react";
import { authHeaders, getToken, post } from "../api/client";
import { Clip, ThumbDown, ThumbUp } from "./icons";
import { InputPanel } from "./InputPanel";
import { FINAL_STATES, totalUsage, type FileRef, type Turn } from "./model";
import { LongText, ToolCard } from "./ToolCard";

// A plain link carries no bearer token: with sign-in on, a control-plane file is fetched
// with the token and handed to the browser as a blob.
async function downloadWithToken(file: FileRef): Promise<void> {
  const res = await fetch(file.url, { headers: authHeaders() });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = file.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function FileChip({ file }: { file: FileRef }) {
  const [error, setError] = useState("");
  const size = file.size === undefined ? "" : ` (${file.size < 1024 ? `${file.size} B` : `${(file.size / 1024).toFixed(1)} KB`})`;
  const needsToken = file.url.startsWith("/api/") && getToken() !== null;
  function onClick(event: React.MouseEvent) {
    if (!needsToken) return;
    event.preventDefault();
    downloadWithToken(file).catch((err: Error) => setError(`Download failed: ${err.message}`));
  }
  return (
    <a className="file-chip" href={file.url} download={file.name} aria-label={`Download ${file.name}`} onClick={onClick} title={error || undefined}>
      <Clip /> {file.name}
      <span className="muted">{size}</span>
      {error && <span className="field-error"> {error}</span>}
    </a>
  );
}

// An image the agent returned (a chart, a screenshot) is shown, not only offered for
// download. With sign-in on, an <img> cannot send the token, so it is fetched as a blob.
function ImagePreview({ file }: { file: FileRef }) {
  const needsToken = file.url.startsWith("/api/") && getToken() !== null;
  const [src, setSrc] = useState(needsToken ? "" : file.url);
  useEffect(() => {
    if (!needsToken) return;
    let url = "";
    let live = true;
    fetch(file.url, { headers: authHeaders() })
      .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(res.statusText))))
      .then((blob) => {
        url = URL.createObjectURL(blob);
        if (live) setSrc(url);
      })
      .catch(() => undefined); // the download link below still says what went wrong
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [file.url, needsToken]);
  if (!src) return null;
  return <img className="file-preview" src={src} alt={`Preview of ${file.name}`} />;
}

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement("textarea"); // plain-HTTP pages have no clipboard API
  area.value = text;
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function Feedback({ turn, sessionId }: { turn: Turn; sessionId: string }) {
  const [vote, setVote] = useState<boolean | null>(null);
  const [comment, setComment] = useState("");
  const [state, setState] = useState<"idle" | "saving" | "saved" | string>("idle");
  async function save(positive: boolean, text: string) {
    setState("saving");
    try {
      await post("/api/feedback", { is_positive: positive, feedback_text: text, session_id: sessionId, message_id: turn.taskId ?? turn.key });
      setState("saved");
    } catch (err) {
      setState(`Could not save the feedback: ${(err as Error).message}`);
    }
  }
  if (state === "saved") return <span className="muted small" role="status">Thanks, feedback saved.</span>;
  return (
    <span className="feedback">
      <button type="button" className="icon" aria-label="Good answer" aria-pressed={vote === true} onClick={() => setVote(true)}>
        <ThumbUp />
      </button>
      <button type="button" className="icon" aria-label="Bad answer" aria-pressed={vote === false} onClick={() => setVote(false)}>
        <ThumbDown />
      </button>
      {vote !== null && (
        <form
          className="feedback-form"
          onSubmit={(e) => {
            e.preventDefault();
            save(vote, comment);
          }}
        >
          <label className="sr-only" htmlFor={`fb-${turn.key}`}>
            Feedback comment
          </label>
          <input id={`fb-${turn.key}`} placeholder={vote ? "What was good? (optional)" : "What went wrong? (optional)"} value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit" disabled={state === "saving"}>
            Send feedback
          </button>
        </form>
      )}
      {state !== "idle" && state !== "saving" && <span className="field-error">{state}</span>}
    </span>
  );
}

export function TurnView({
  turn,
  agent,
  sessionId,
  busy,
  onAnswer,
}: {
  turn: Turn;
  agent: string;
  sessionId: string;
  busy: boolean;
  onAnswer: (key: string, d: Record<string, { approved: boolean; reason?: string }>, a: Record<string, string | string[]>) => void;
}) {
  const [copied, setCopied] = useState(false);
  const usage = totalUsage(turn);
  const running = !FINAL_STATES.includes(turn.state) && turn.state !== "input-required";
  const finished = FINAL_STATES.includes(turn.state);
  return (
    <div className="turn">
      {(turn.prompt || turn.promptFiles.length > 0) && (
        <div className="msg user" role="article" aria-label="Your message">
          {turn.prompt && <div className="msg-text">{turn.prompt}</div>}
          {turn.promptFiles.length > 0 && (
            <div className="files">
              {turn.promptFiles.map((f, i) => (
                <FileChip key={i} file={f} />
              ))}
            </div>
          )}
        </div>
      )}
      <div className={`msg agent state-${turn.state}`} role="article" aria-label={`Answer of ${agent}`} aria-busy={running}>
        {turn.items.map((item, i) =>
          item.kind === "tool" ? (
            turn.tools[item.id] && <ToolCard key={item.id} tool={turn.tools[item.id]} turn={turn} />
          ) : item.kind === "artifact" ? (
            <div key={i} className="artifact">
              <div className="muted small">Artifact {item.name}</div>
              <LongText text={item.text} label={`Artifact ${item.name}`} />
            </div>
          ) : (
            <div key={i} className={`msg-text${item.text === turn.answer ? " answer" : " model-text"}`}>
              {item.text}
            </div>
          ),
        )}
        {running && (
          <div className="thinking muted" role="status">
            <span className="spinner" aria-hidden="true" /> {turn.state === "sending" ? "Sending…" : "Working…"}
          </div>
        )}
        {turn.files.length > 0 && (
          <div className="files" aria-label="Files from the agent">
            {turn.files.map((f, i) => (
              <div key={i} className="file-out">
                {f.mediaType.startsWith("image/") && <ImagePreview file={f} />}
                <FileChip file={f} />
              </div>
            ))}
          </div>
        )}
        {turn.answered.map((line, i) => (
          <p key={i} className="muted small">
            {line}
          </p>
        ))}
        {turn.state === "input-required" && turn.requests.length > 0 && (
          <InputPanel requests={turn.requests} disabled={busy} onSend={(d, a) => onAnswer(turn.key, d, a)} />
        )}
        {turn.statusText && (
          <div className={turn.state === "failed" ? "error-banner" : "notice"} role={turn.state === "failed" ? "alert" : "status"}>
            {turn.state === "canceled" ? "Cancelled. " : turn.state === "failed" ? "Failed: " : ""}
            {turn.statusText}
          </div>
        )}
        {finished && (
          <div className="turn-foot">
            {usage && (
              <span className="usage muted small" aria-label="Token usage of this answer">
                {usage.inputTokens.toLocaleString()} in · {usage.outputTokens.toLocaleString()} out
                {usage.requests ? ` · ${usage.requests} LLM call${usage.requests === 1 ? "" : "s"}` : ""}
                {usage.model ? ` · ${usage.model}` : ""}
              </span>
            )}
            {turn.answer && (
              <button
                type="button"
                className="icon"
                aria-label="Copy answer"
                onClick={() =>
                  copyText(turn.answer).then(() => {
                    setCopied(true);
                    setTimeout(() => setCopied(false), 1500);
                  })
                }
              >
                {copied ? "Copied" : "Copy"}
              </button>
            )}
            {turn.state === "completed" && <Feedback turn={turn} sessionId={sessionId} />}
          </div>
        )}
      </div>
    </div>
  );
}
