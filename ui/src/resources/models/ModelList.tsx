// /models: ModelConfigs with provider, model, Accepted and where the API key comes from.
import { Link } from "react-router-dom";
import type { List } from "../../api/types";
import NamespaceSelect, { useNamespaceParam } from "../NamespaceSelect";
import ResourceTable, { type Column } from "../ResourceTable";
import { ConditionBadge, allTrue, statusMessage } from "../Status";
import type { Agent, ModelConfig } from "../types";
import { nsQuery, useApi } from "../useApi";

const nsOf = (m: { metadata: { namespace?: string } }) => m.metadata.namespace ?? "default";

export default function ModelList() {
  const [namespace, setNamespace] = useNamespaceParam();
  const models = useApi<List<ModelConfig>>(`/api/modelconfigs${nsQuery(namespace)}`, (d) =>
    d && d.items.every((m) => allTrue(m, ["Accepted"])) ? 10_000 : 2_000,
  );
  const agents = useApi<List<Agent>>(`/api/agents${nsQuery(namespace)}`);
  const usedBy = (m: ModelConfig) =>
    (agents.data?.items ?? []).filter(
      (a) => nsOf(a) === nsOf(m) && (a.spec.declarative?.modelConfig ?? "default-model-config") === m.metadata.name,
    ).length;

  const columns: Column<ModelConfig>[] = [
    {
      header: "Name",
      cell: (m) => (
        <Link className="rs-name" to={`/models/${nsOf(m)}/${m.metadata.name}`}>
          {m.metadata.name}
        </Link>
      ),
    },
    { header: "Namespace", cell: nsOf },
    { header: "Provider", cell: (m) => String(m.spec.provider ?? "OpenAI") },
    { header: "Model", cell: (m) => <span className="mono">{String(m.spec.model ?? "")}</span> },
    { header: "Status", cell: (m) => <ConditionBadge resource={m} type="Accepted" /> },
    { header: "Message", cell: (m) => <span className="rs-message">{statusMessage(m)}</span>, className: "rs-wide" },
    {
      header: "API key",
      cell: (m) =>
        m.spec.apiKeySecret ? <span className="mono">Secret {m.spec.apiKeySecret}</span> : <span className="muted">none</span>,
    },
    { header: "Agents", cell: (m) => (agents.data ? usedBy(m) : "") },
  ];

  return (
    <div className="stack">
      <div className="rs-page-head">
        <h1>Models</h1>
        <div className="row">
          <NamespaceSelect value={namespace} onChange={setNamespace} />
          <Link className="button primary" to={`/models/new${nsQuery(namespace)}`}>
            New model
          </Link>
        </div>
      </div>
      {models.error !== undefined && (
        <div className="error-banner" role="alert">
          Could not load models: {(models.error as Error).message}
        </div>
      )}
      <ResourceTable
        label="Models"
        columns={columns}
        rows={models.data?.items}
        rowKey={(m) => `${nsOf(m)}/${m.metadata.name}`}
        loading={models.loading}
        empty={
          <>
            No ModelConfigs yet. <Link to="/models/new">Create one</Link>.
          </>
        }
      />
    </div>
  );
}
