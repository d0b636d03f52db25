// /models/:ns/:name: a ModelConfig's settings, its API key Secret (present or not, never
// the value), the agents that use it, conditions.
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import type { List } from "../../api/types";
import ConfirmDelete from "../ConfirmDelete";
import { Badge, ConditionBadge, ConditionsTable, statusMessage } from "../Status";
import type { Agent, ModelConfig } from "../types";
import { useApi } from "../useApi";
import YamlView from "../YamlView";
import { PROVIDERS } from "./providers";

interface SecretInfo {
  keys?: string[];
}

export default function ModelDetail() {
  const { ns = "default", name = "" } = useParams();
  const navigate = useNavigate();
  const path = `/api/modelconfigs/${ns}/${name}`;
  const { data: model, error } = useApi<ModelConfig>(path, (m) =>
    m?.status?.conditions?.some((c) => c.type === "Accepted" && c.status === "True") ? 10_000 : 2_000,
  );
  const secretName = model?.spec.apiKeySecret;
  const secret = useApi<SecretInfo>(secretName ? `/api/resources/secrets/${ns}/${secretName}` : null);
  const agents = useApi<List<Agent>>(`/api/agents?namespace=${ns}`);

  if (error instanceof ApiError && error.status === 404)
    return (
      <div className="error-banner" role="alert">
        No ModelConfig {ns}/{name}. <Link to="/models">Back to models</Link>
      </div>
    );
  if (!model) return error ? <div className="error-banner" role="alert">{(error as Error).message}</div> : <p className="muted">Loading…</p>;

  const provider = String(model.spec.provider ?? "OpenAI");
  const block = (model.spec[PROVIDERS[provider]?.block ?? ""] ?? {}) as Record<string, unknown>;
  const users = (agents.data?.items ?? []).filter((a) => (a.spec.declarative?.modelConfig ?? "default-model-config") === name);
  const keyName = model.spec.apiKeySecretKey ?? "apiKey";
  const keyPresent = secret.data?.keys?.includes(keyName);

  return (
    <div className="stack">
      <div className="rs-page-head">
        <div>
          <p className="rs-crumbs">
            <Link to="/models">Models</Link> / {ns}
          </p>
          <h1>{name}</h1>
        </div>
        <div className="row">
          <Link className="button" to={`/models/${ns}/${name}/edit`}>
            Edit
          </Link>
          <ConfirmDelete
            what={`model ${name}`}
            path={path}
            consequence={
              users.length
                ? `${users.length} agent(s) use it and will stop being Ready: ${users.map((a) => a.metadata.name).join(", ")}.`
                : "Its API key Secret (if Bosun created it) is deleted with it."
            }
            onDeleted={() => navigate("/models")}
          />
        </div>
      </div>
      <section className="panel" aria-label="Status">
        <div className="row">
          <ConditionBadge resource={model} type="Accepted" />
          <span className="rs-message">{statusMessage(model)}</span>
        </div>
      </section>
      <div className="rs-two">
        <section className="panel" aria-labelledby="model-settings">
          <h2 id="model-settings">Settings</h2>
          <dl className="rs-dl">
            <dt>Provider</dt>
            <dd>{provider}</dd>
            <dt>Model</dt>
            <dd className="mono">{String(model.spec.model ?? "")}</dd>
            <dt>API key</dt>
            <dd>
              {secretName ? (
                <>
                  Secret <code>{secretName}</code>, key <code>{keyName}</code>{" "}
                  {secret.error !== undefined ? (
                    <Badge health="bad">Secret not found</Badge>
                  ) : secret.data ? (
                    keyPresent ? (
                      <Badge health="ok">key stored</Badge>
                    ) : (
                      <Badge health="bad">key missing</Badge>
                    )
                  ) : null}
                </>
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
            {Object.entries(block).map(([k, v]) => (
              <div className="rs-dl-row" key={k}>
                <dt>{k}</dt>
                <dd className="mono">{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="panel" aria-labelledby="model-users">
          <h2 id="model-users">Used by</h2>
          {users.length === 0 ? (
            <p className="muted">No agent in {ns} uses this model.</p>
          ) : (
            <ul className="rs-plain stack">
              {users.map((a) => (
                <li key={a.metadata.name} className="row">
                  <Link to={`/agents/${ns}/${a.metadata.name}`}>{a.metadata.name}</Link>
                  <ConditionBadge resource={a} type="Ready" />
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <ConditionsTable resource={model} />
      <YamlView resource={model} />
    </div>
  );
}
