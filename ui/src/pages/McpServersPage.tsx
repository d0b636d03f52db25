// MCP servers (RemoteMCPServer and MCPServer): the list, a server's page with its
// discovered tools, and the create/edit form (its own chunk, with the YAML library).
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import ServerDetail from "../resources/mcp/ServerDetail";
import ServerList from "../resources/mcp/ServerList";
import "../resources/resources.css";

const ServerForm = lazy(() => import("../resources/mcp/ServerForm"));

export default function McpServersPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Routes>
        <Route index element={<ServerList />} />
        <Route path="new" element={<ServerForm mode="create" />} />
        <Route path=":ns/:name" element={<ServerDetail />} />
        <Route path=":ns/:name/edit" element={<ServerForm key="edit" mode="edit" />} />
      </Routes>
    </Suspense>
  );
}
