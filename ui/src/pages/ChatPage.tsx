// Chat with one agent: /chat/:namespace/:name[/:sessionId] (sessionId = the A2A contextId).
// Sessions sidebar on the left, the conversation (live stream, tool cards, approvals) on
// the right, and a Context view of what the agent holds. Everything goes through the
// control plane: REST for sessions, the A2A proxy for the conversation.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { get } from "../api/client";
import { condition, type Resource } from "../api/types";
import { newId } from "../chat/a2a";
import { Composer } from "../chat/Composer";
import { ContextView } from "../chat/ContextView";
import { SessionList } from "../chat/SessionList";
import { conversation, errorText, forget, useConversation } from "../chat/store";
import { SessionContext } from "../chat/subagents";
import { TurnView } from "../chat/TurnView";
import "../chat/chat.css";

export default function ChatPage() {
  const { namespace = "default", name = "", sessionId } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const fresh = useMemo(() => newId(), [location.key]);
  const contextId = sessionId ?? fresh;
  const conv = conversation(namespace, name, contextId);
  const state = useConversation(conv);
  const [agent, setAgent] = useState<Resource | null>(null);
  const [agentError, setAgentError] = useState<string | null>(null);
  const [showContext, setShowContext] = useState(false);
  const [showSessions, setShowSessions] = useState(false);
  const log = useRef<HTMLDivElement>(null);
  const base = `/chat/${namespace}/${name}`;

  useEffect(() => {
    conv.load(!sessionId);
  }, [conv, sessionId]);

  useEffect(() => {
    setAgentError(null);
    get<Resource>(`/api/agents/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`)
      .then(setAgent)
      .catch((err) => setAgentError(errorText(err)));
  }, [namespace, name]);

  useEffect(() => setShowSessions(false), [contextId]);

  // Keep the newest output in view while the user has not scrolled up.
  useLayoutEffect(() => {
    const el = log.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 160) el.scrollTop = el.scrollHeight;
  }, [state.turns]);

  const ready = agent ? condition(agent, "Ready") : undefined;
  const description = (agent?.spec as { description?: string } | undefined)?.description;

  function send(text: string, files: Parameters<typeof conv.send>[1]) {
    if (!sessionId) navigate(`${base}/${contextId}`, { replace: true });
    conv.send(text, files);
  }

  return (
    <div className={`chat-layout${showSessions ? " sessions-open" : ""}`}>
      <aside className="chat-sidebar" id="chat-sessions">
        <SessionList
          namespace={namespace}
          name={name}
          current={sessionId}
          onDeleted={(id) => {
            forget(namespace, name, id);
            if (id === sessionId) navigate(base);
          }}
        />
      </aside>
      <section className="chat-main" aria-label={`Chat with ${name}`}>
        <header className="chat-header">
          <button
            type="button"
            className="sessions-toggle"
            aria-expanded={showSessions}
            aria-controls="chat-sessions"
            onClick={() => setShowSessions(!showSessions)}
          >
            Sessions
          </button>
          <div className="grow chat-title">
            <h1>
              {name} <span className="muted ns">{namespace}</span>
            </h1>
            {description && <p className="muted small">{description}</p>}
          </div>
          {ready && (
            <span className={`badge ${ready.status === "True" ? "ok" : "bad"}`} title={ready.message}>
              {ready.status === "True" ? "Ready" : `Not ready: ${ready.reason ?? ""}`}
            </span>
          )}
          <button type="button" aria-expanded={showContext} onClick={() => setShowContext(!showContext)} disabled={!sessionId}>
            Context
          </button>
        </header>
        {agentError && (
          <div className="error-banner" role="alert">
            {agentError} — <Link to="/agents">back to the agents</Link>
          </div>
        )}
        {showContext && sessionId && <ContextView key={`${sessionId}:${state.turns.length}`} sessionId={sessionId} onClose={() => setShowContext(false)} />}
        <SessionContext.Provider value={contextId}>
          <div className="chat-log" ref={log} role="log" aria-label="Conversation" aria-live="polite">
            {state.loading && <p className="muted">Loading the session…</p>}
            {state.missing && state.turns.length === 0 && (
              <p className="muted">
                No stored conversation under this id. Send a message to start it, or pick a session on the left.
              </p>
            )}
            {!state.loading && !state.missing && state.turns.length === 0 && (
              <p className="muted empty">Send a message to start a conversation with {name}.</p>
            )}
            {state.turns.map((turn) => (
              <TurnView key={turn.key} turn={turn} agent={name} sessionId={contextId} busy={state.busy} onAnswer={(k, d, a) => conv.answer(k, d, a)} />
            ))}
            {state.error && (
              <div className="error-banner" role="alert">
                {state.error}
              </div>
            )}
          </div>
        </SessionContext.Provider>
        <Composer agent={name} busy={state.busy} onSend={send} onCancel={() => conv.cancel()} />
      </section>
    </div>
  );
}
