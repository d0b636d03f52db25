// /agents/:ns/:name: status, dependencies, what the agent is configured with, conditions.
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import ConfirmDelete from "../ConfirmDelete";
import { ConditionBadge, ConditionsTable, allTrue, statusMessage } from "../Status";
import type { Agent } from "../types";
import { useApi } from "../useApi";
import YamlView from "../YamlView";
import Dependencies from "./Dependencies";

export default function AgentDetail() {
  const { ns = "default", name = "" } = useParams();
  const navigate = useNavigate();
  const path = `/api/agents/${ns}/${name}`;
  const { data: agent, error } = useApi<Agent>(path, (a) => (allTrue(a, ["Accepted", "Ready"]) ? 10_000 : 1_500));

  if (error instanceof ApiError && error.status === 404)
    return (
      <div className="stack">
        <h1>Agent {ns}/{name}</h1>
        <div className="error-banner" role="alert">
          No agent {ns}/{name}. <Link to="/agents">Back to agents</Link>
        </div>
      </div>
    );
  if (!agent)
    return error ? (
      <div className="error-banner" role="alert">
        {(error as Error).message}
      </div>
    ) : (
      <p className="muted">Loading…</p>
    );
  const decl = agent.spec.declarative;
  const skills = decl?.a2aConfig?.skills ?? [];
  return (
    <div className="stack">
      <div className="rs-page-head">
        <div>
          <p className="rs-crumbs">
            <Link to="/agents">Agents</Link> / {ns}
          </p>
          <h1>{name}</h1>
          {agent.spec.description && <p className="muted">{agent.spec.description}</p>}
        </div>
        <div className="row">
          <Link className="button primary" to={`/chat/${ns}/${name}`}>
            Chat
          </Link>
          <Link className="button" to={`/agents/${ns}/${name}/edit`}>
            Edit
          </Link>
          <ConfirmDelete
            what={`agent ${name}`}
            path={path}
            consequence="Its Deployment (or local process) stops; sessions stay in the database."
            onDeleted={() => navigate("/agents")}
          />
        </div>
      </div>
      <section className="panel" aria-label="Status">
        <div className="row">
          <ConditionBadge resource={agent} type="Ready" />
          <ConditionBadge resource={agent} type="Accepted" />
          <span className="rs-message">{statusMessage(agent)}</span>
        </div>
      </section>
      <div className="rs-two">
        <section className="panel" aria-labelledby="deps-title">
          <h2 id="deps-title">Dependencies</h2>
          <Dependencies agent={agent} />
        </section>
        <section className="panel" aria-labelledby="config-title">
          <h2 id="config-title">Configuration</h2>
          <dl className="rs-dl">
            <dt>Type</dt>
            <dd>{agent.spec.type ?? "Declarative"}</dd>
            {decl && (
              <>
                <dt>Model</dt>
                <dd>{decl.modelConfig ?? "default-model-config"}</dd>
                <dt>Streaming</dt>
                <dd>{decl.stream ? "yes" : "no"}</dd>
                <dt>System message</dt>
                <dd>
                  {decl.systemMessageFrom ? (
                    `from ${decl.systemMessageFrom.type} ${decl.systemMessageFrom.name}/${decl.systemMessageFrom.key}`
                  ) : (
                    <pre className="rs-prompt">{decl.systemMessage ?? ""}</pre>
                  )}
                </dd>
              </>
            )}
            {agent.spec.byo && (
              <>
                <dt>Image</dt>
                <dd className="mono">{agent.spec.byo.deployment?.image}</dd>
              </>
            )}
            <dt>Skills</dt>
            <dd>
              {skills.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                <ul className="rs-plain">
                  {skills.map((s) => (
                    <li key={s.id}>
                      <strong>{s.name}</strong> {s.description && <span className="muted">— {s.description}</span>}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        </section>
      </div>
      <ConditionsTable resource={agent} />
      <YamlView resource={agent} />
    </div>
  );
}
