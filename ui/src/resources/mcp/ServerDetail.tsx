// /mcp-servers/:ns/:name?kind=: a tool server's endpoint, its discovered tools (name and
// description), the agents using it, conditions.
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { ApiError } from "../../api/client";
import type { List } from "../../api/types";
import ConfirmDelete from "../ConfirmDelete";
import { ConditionBadge, ConditionsTable, allTrue, statusMessage } from "../Status";
import type { Agent, ToolServer } from "../types";
import { useApi } from "../useApi";
import YamlView from "../YamlView";
import { conditionTypes, endpoint, usersOf } from "./serverModel";

export default function ServerDetail() {
  const { ns = "default", name = "" } = useParams();
  const [search] = useSearchParams();
  const kind = search.get("kind");
  const navigate = useNavigate();
  const query = kind ? `?kind=${encodeURIComponent(kind)}` : "";
  const path = `/api/toolservers/${ns}/${name}${query}`;
  const { data: server, error } = useApi<ToolServer>(path, (s) => (s && allTrue(s, conditionTypes(s.kind)) ? 10_000 : 1_500));
  const agents = useApi<List<Agent>>(`/api/agents?namespace=${ns}`);

  if (error instanceof ApiError && error.status === 404)
    return (
      <div className="error-banner" role="alert">
        No tool server {ns}/{name}. <Link to="/mcp-servers">Back to MCP servers</Link>
      </div>
    );
  if (!server)
    return error ? <div className="error-banner" role="alert">{(error as Error).message}</div> : <p className="muted">Loading…</p>;

  const tools = server.status?.discoveredTools ?? [];
  const users = usersOf(server, agents.data?.items ?? []);
  const spec = server.spec as Record<string, unknown>;
  const deployment = (spec.deployment ?? {}) as Record<string, unknown>;
  return (
    <div className="stack">
      <div className="rs-page-head">
        <div>
          <p className="rs-crumbs">
            <Link to="/mcp-servers">MCP servers</Link> / {ns} / {server.kind}
          </p>
          <h1>{name}</h1>
          {typeof spec.description === "string" && spec.description && <p className="muted">{spec.description}</p>}
        </div>
        <div className="row">
          <Link className="button" to={`/mcp-servers/${ns}/${name}/edit?kind=${server.kind}`}>
            Edit
          </Link>
          <ConfirmDelete
            what={`${server.kind} ${name}`}
            path={`/api/toolservers/${ns}/${name}?kind=${server.kind}`}
            consequence={
              users.length
                ? `Used by ${users.map((u) => u.agent.metadata.name).join(", ")}: they stop being Ready.`
                : "No agent uses it."
            }
            onDeleted={() => navigate("/mcp-servers")}
          />
        </div>
      </div>
      <section className="panel" aria-label="Status">
        <div className="row">
          {conditionTypes(server.kind).map((t) => (
            <ConditionBadge key={t} resource={server} type={t} />
          ))}
          <span className="rs-message">{statusMessage(server)}</span>
        </div>
      </section>
      <div className="rs-two">
        <section className="panel" aria-labelledby="tools-title">
          <h2 id="tools-title">Discovered tools ({tools.length})</h2>
          {tools.length === 0 ? (
            <p className="muted">No tools discovered (yet): see the conditions below.</p>
          ) : (
            <table className="rs-table rs-tools" aria-label="Discovered tools">
              <thead>
                <tr>
                  <th scope="col">Tool</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {tools.map((t) => (
                  <tr key={t.name}>
                    <td data-label="Tool" className="mono">
                      {t.name}
                    </td>
                    <td data-label="Description" className="rs-message">
                      {t.description}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <div className="stack">
          <section className="panel" aria-labelledby="server-settings">
            <h2 id="server-settings">Settings</h2>
            <dl className="rs-dl">
              <dt>Endpoint</dt>
              <dd className="mono">{endpoint(server) || "—"}</dd>
              {server.kind === "RemoteMCPServer" ? (
                <>
                  <dt>Protocol</dt>
                  <dd>{String(spec.protocol ?? "STREAMABLE_HTTP")}</dd>
                </>
              ) : (
                <>
                  <dt>Transport</dt>
                  <dd>{String(spec.transportType ?? "stdio")}</dd>
                  <dt>Image</dt>
                  <dd className="mono">{String(deployment.image ?? "(runner image)")}</dd>
                  <dt>Command</dt>
                  <dd className="mono">
                    {[deployment.cmd, ...((deployment.args as string[]) ?? [])].filter(Boolean).join(" ") || "—"}
                  </dd>
                </>
              )}
              <dt>Timeout</dt>
              <dd>{String(spec.timeout ?? "30s")}</dd>
            </dl>
          </section>
          <section className="panel" aria-labelledby="server-users">
            <h2 id="server-users">Used by</h2>
            {users.length === 0 ? (
              <p className="muted">No agent in {ns} uses this server.</p>
            ) : (
              <ul className="rs-plain stack">
                {users.map((u, i) => (
                  <li key={i} className="row">
                    <Link to={`/agents/${ns}/${u.agent.metadata.name}`}>{u.agent.metadata.name}</Link>
                    <ConditionBadge resource={u.agent} type="Ready" />
                    <span className="muted mono">{u.tools.length ? u.tools.join(", ") : "all tools"}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
      <ConditionsTable resource={server} />
      <YamlView resource={server} />
    </div>
  );
}
