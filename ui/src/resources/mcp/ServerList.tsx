// /mcp-servers: RemoteMCPServers and MCPServers with status and discovered tool count.
import { Link } from "react-router-dom";
import type { List } from "../../api/types";
import NamespaceSelect, { useNamespaceParam } from "../NamespaceSelect";
import ResourceTable, { type Column } from "../ResourceTable";
import { ConditionBadge, allTrue, statusMessage } from "../Status";
import type { ToolServer } from "../types";
import { nsQuery, useApi } from "../useApi";
import { conditionTypes, endpoint, serverNs, serverPath } from "./serverModel";

export default function ServerList() {
  const [namespace, setNamespace] = useNamespaceParam();
  const servers = useApi<List<ToolServer>>(`/api/toolservers${nsQuery(namespace)}`, (d) =>
    d && d.items.every((s) => allTrue(s, conditionTypes(s.kind))) ? 10_000 : 1_500,
  );
  const columns: Column<ToolServer>[] = [
    {
      header: "Name",
      cell: (s) => (
        <Link className="rs-name" to={serverPath(s)}>
          {s.metadata.name}
        </Link>
      ),
    },
    { header: "Namespace", cell: serverNs },
    { header: "Kind", cell: (s) => s.kind },
    {
      header: "Status",
      cell: (s) => (
        <span className="rs-badges">
          {conditionTypes(s.kind).map((t) => (
            <ConditionBadge key={t} resource={s} type={t} />
          ))}
        </span>
      ),
    },
    { header: "Message", cell: (s) => <span className="rs-message">{statusMessage(s)}</span>, className: "rs-wide" },
    { header: "Endpoint", cell: (s) => <span className="mono rs-message">{endpoint(s)}</span> },
    {
      header: "Tools",
      cell: (s) => {
        const n = s.status?.discoveredTools?.length ?? 0;
        return `${n} tool${n === 1 ? "" : "s"}`;
      },
    },
  ];
  return (
    <div className="stack">
      <div className="rs-page-head">
        <h1>MCP servers</h1>
        <div className="row">
          <NamespaceSelect value={namespace} onChange={setNamespace} />
          <Link className="button primary" to={`/mcp-servers/new${nsQuery(namespace)}`}>
            New MCP server
          </Link>
        </div>
      </div>
      {servers.error !== undefined && (
        <div className="error-banner" role="alert">
          Could not load tool servers: {(servers.error as Error).message}
        </div>
      )}
      <ResourceTable
        label="MCP servers"
        columns={columns}
        rows={servers.data?.items}
        rowKey={(s) => `${s.kind}/${serverNs(s)}/${s.metadata.name}`}
        loading={servers.loading}
        empty={
          <>
            No tool servers yet. <Link to="/mcp-servers/new">Add one</Link>.
          </>
        }
      />
    </div>
  );
}
