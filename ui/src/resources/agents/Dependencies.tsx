// The agent page's "what it depends on": its ModelConfig, each tool server with the tools
// the agent uses (discovered or not), and each sub-agent — green or red with the reason.
import { Link } from "react-router-dom";
import type { List } from "../../api/types";
import { Badge, healthOf, type Health } from "../Status";
import type { Agent, ModelConfig, ToolServer, WithStatus } from "../types";
import { useApi } from "../useApi";
import { agentNs } from "./agentModel";
import { OPT_OUT_ANNOTATION, defaultApprovalOn, isDestructive } from "./approval";

/** Health of a resource from all its conditions: any False is bad, all True is ok. */
function overall(resource: WithStatus | undefined): { health: Health; why: string } {
  if (!resource) return { health: "bad", why: "not found" };
  const conds = resource.status?.conditions ?? [];
  if (conds.length === 0) return { health: "unknown", why: "no status yet" };
  const failing = conds.find((c) => c.status === "False") ?? conds.find((c) => c.status !== "True");
  const shown = failing ?? conds.find((c) => c.type === "Ready") ?? conds[0];
  return {
    health: failing ? healthOf(failing) : "ok",
    why: [shown.type, shown.reason !== shown.type ? shown.reason : undefined, shown.message].filter(Boolean).join(": "),
  };
}

const HEALTH_WORD: Record<Health, string> = { ok: "OK", bad: "Problem", unknown: "Pending" };

function DependencyRow({
  kind,
  name,
  to,
  state,
  children,
}: {
  kind: string;
  name: string;
  to?: string;
  state: { health: Health; why: string };
  children?: React.ReactNode;
}) {
  return (
    <li className={`rs-dep ${state.health}`} aria-label={`${kind} ${name}`}>
      <div className="rs-dep-head">
        <Badge health={state.health}>{HEALTH_WORD[state.health]}</Badge>
        <span className="muted">{kind}</span>
        {to ? <Link to={to}>{name}</Link> : <strong>{name}</strong>}
      </div>
      <div className="rs-dep-why">{state.why}</div>
      {children}
    </li>
  );
}

/** Poll fast while something is still becoming ready (a tool server still discovering,
 * a model not yet accepted), slowly once everything is: the rows change by themselves. */
function settling<T extends WithStatus>(list: List<T> | undefined): number {
  return list && list.items.every((r) => overall(r).health === "ok") ? 15_000 : 2_000;
}

export default function Dependencies({ agent }: { agent: Agent }) {
  const ns = agentNs(agent);
  const models = useApi<List<ModelConfig>>("/api/modelconfigs", settling);
  const servers = useApi<List<ToolServer>>("/api/toolservers", settling);
  const agents = useApi<List<Agent>>("/api/agents", settling);
  if (agent.spec.type === "BYO")
    return <p className="muted">A BYO agent runs your image; Bosun does not manage its model or tools.</p>;
  if (!models.data || !servers.data || !agents.data) return <p className="muted">Loading dependencies…</p>;

  const decl = agent.spec.declarative ?? {};
  const modelName = decl.modelConfig ?? "default-model-config";
  const model = models.data.items.find((m) => m.metadata.name === modelName && (m.metadata.namespace ?? "default") === ns);
  const tools = decl.tools ?? [];

  return (
    <ul className="rs-deps">
      <DependencyRow kind="ModelConfig" name={modelName} to={`/models/${ns}/${modelName}`} state={overall(model)}>
        {model && (
          <div className="muted">
            {String(model.spec.provider ?? "OpenAI")} · {String(model.spec.model ?? "")}
          </div>
        )}
      </DependencyRow>
      {tools.map((tool, i) => {
        if (tool.type === "Agent" && tool.agent) {
          const tns = tool.agent.namespace ?? ns;
          const sub = agents.data!.items.find((a) => a.metadata.name === tool.agent!.name && agentNs(a) === tns);
          return (
            <DependencyRow
              key={i}
              kind="Sub-agent"
              name={tns === ns ? tool.agent.name : `${tns}/${tool.agent.name}`}
              to={`/agents/${tns}/${tool.agent.name}`}
              state={overall(sub)}
            >
              {sub?.spec.description && <div className="muted">{sub.spec.description}</div>}
            </DependencyRow>
          );
        }
        const ref = tool.mcpServer;
        if (!ref) return null;
        const kind = ref.kind ?? "RemoteMCPServer";
        const sns = ref.namespace ?? ns;
        const label = sns === ns ? ref.name : `${sns}/${ref.name}`;
        if (kind === "Service")
          return <DependencyRow key={i} kind="Service" name={label} state={{ health: "unknown", why: "a Service: tools are found when the agent starts" }} />;
        const server = servers.data!.items.find(
          (s) => s.kind === kind && s.metadata.name === ref.name && (s.metadata.namespace ?? "default") === sns,
        );
        const discovered = server?.status?.discoveredTools ?? [];
        const names = ref.toolNames?.length ? ref.toolNames : discovered.map((t) => t.name);
        const approval = new Set(ref.requireApproval ?? []);
        const byDefault = defaultApprovalOn(agent.metadata.annotations, server);
        return (
          <DependencyRow key={i} kind={kind} name={label} to={`/mcp-servers/${sns}/${ref.name}?kind=${kind}`} state={overall(server)}>
            {byDefault && (
              <p className="muted" role="note">
                Built-in tool server: its destructive tools pause for approval by default. Annotate the agent{" "}
                <code>{OPT_OUT_ANNOTATION}: "false"</code> to turn this off.
              </p>
            )}
            {server && (
              <table className="rs-table rs-tools" aria-label={`Tools from ${ref.name}`}>
                <thead>
                  <tr>
                    <th scope="col">Tool</th>
                    <th scope="col">Status</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {!ref.toolNames?.length && (
                    <tr>
                      <td colSpan={3} className="muted">
                        All tools of the server (toolNames is empty)
                      </td>
                    </tr>
                  )}
                  {names.map((name) => {
                    const found = discovered.find((t) => t.name === name);
                    const listed = approval.has(name);
                    const destructive = !listed && byDefault && !!found && isDestructive(found);
                    return (
                      <tr key={name}>
                        <td data-label="Tool" className="mono">
                          {name}
                          {(listed || destructive) && (
                            <span
                              className="badge unknown rs-approval"
                              title={
                                listed
                                  ? "pauses for a human's approval (listed in requireApproval)"
                                  : "pauses for a human's approval: a destructive tool of the built-in tool server"
                              }
                            >
                              {listed ? "needs approval" : "needs approval (destructive, default)"}
                            </span>
                          )}
                        </td>
                        <td data-label="Status">
                          {found ? (
                            <Badge health="ok">discovered</Badge>
                          ) : (
                            <Badge health="bad" title="the server does not list this tool">
                              not discovered
                            </Badge>
                          )}
                        </td>
                        <td data-label="Description" className="rs-message">
                          {found?.description ?? "the server does not offer this tool"}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </DependencyRow>
        );
      })}
    </ul>
  );
}
