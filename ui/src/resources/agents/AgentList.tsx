// /agents: every agent with Ready/Accepted, the condition message, model, tools, Chat.
import { Link } from "react-router-dom";
import type { DiscoveredTool, List } from "../../api/types";
import NamespaceSelect, { useNamespaceParam } from "../NamespaceSelect";
import ResourceTable, { type Column } from "../ResourceTable";
import { ConditionBadge, allTrue, statusMessage } from "../Status";
import type { Agent } from "../types";
import { nsQuery, useApi } from "../useApi";
import { agentKey, agentNs, toolCountText } from "./agentModel";

const READY = ["Accepted", "Ready"];

export default function AgentList() {
  const [namespace, setNamespace] = useNamespaceParam();
  const agents = useApi<List<Agent>>(`/api/agents${nsQuery(namespace)}`, (d) =>
    d && d.items.every((a) => allTrue(a, READY)) ? 10_000 : 1_500,
  );
  const tools = useApi<DiscoveredTool[]>(`/api/tools${nsQuery(namespace)}`);

  const columns: Column<Agent>[] = [
    {
      header: "Name",
      cell: (a) => (
        <Link to={`/agents/${agentNs(a)}/${a.metadata.name}`} className="rs-name">
          {a.metadata.name}
        </Link>
      ),
    },
    { header: "Namespace", cell: (a) => agentNs(a) },
    {
      header: "Status",
      cell: (a) => (
        <span className="rs-badges">
          <ConditionBadge resource={a} type="Ready" />
          <ConditionBadge resource={a} type="Accepted" />
        </span>
      ),
    },
    { header: "Message", cell: (a) => <span className="rs-message">{statusMessage(a)}</span>, className: "rs-wide" },
    {
      header: "Model",
      cell: (a) =>
        a.spec.type === "BYO" ? (
          <span className="muted">BYO</span>
        ) : (
          <Link to={`/models/${agentNs(a)}/${a.spec.declarative?.modelConfig ?? "default-model-config"}`}>
            {a.spec.declarative?.modelConfig ?? "default-model-config"}
          </Link>
        ),
    },
    { header: "Tools", cell: (a) => toolCountText(a, tools.data) },
    {
      header: "Chat",
      cell: (a) => (
        <Link className="button" to={`/chat/${agentNs(a)}/${a.metadata.name}`} aria-label={`Chat with ${a.metadata.name}`}>
          Chat
        </Link>
      ),
    },
  ];

  return (
    <div className="stack">
      <div className="rs-page-head">
        <h1>Agents</h1>
        <div className="row">
          <NamespaceSelect value={namespace} onChange={setNamespace} />
          <Link className="button primary" to={`/agents/new${nsQuery(namespace)}`}>
            New agent
          </Link>
        </div>
      </div>
      {agents.error !== undefined && (
        <div className="error-banner" role="alert">
          Could not load agents: {(agents.error as Error).message}
        </div>
      )}
      <ResourceTable
        label="Agents"
        columns={columns}
        rows={agents.data?.items}
        rowKey={agentKey}
        loading={agents.loading}
        empty={
          <>
            No agents{namespace ? ` in ${namespace}` : ""} yet. <Link to="/agents/new">Create one</Link> or{" "}
            <code>bosun apply -f agent.yaml</code>.
          </>
        }
      />
    </div>
  );
}
