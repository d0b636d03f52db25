// Agents: the list, an agent's page, and the create/edit form (nested routes under /agents).
// The form (with the YAML library) is its own chunk, loaded when a form opens.
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import AgentDetail from "../resources/agents/AgentDetail";
import AgentList from "../resources/agents/AgentList";
import "../resources/resources.css";

const AgentForm = lazy(() => import("../resources/agents/AgentForm"));

export default function AgentsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Routes>
        <Route index element={<AgentList />} />
        <Route path="new" element={<AgentForm mode="create" />} />
        <Route path=":ns/:name" element={<AgentDetail />} />
        <Route path=":ns/:name/edit" element={<AgentForm key="edit" mode="edit" />} />
      </Routes>
    </Suspense>
  );
}
