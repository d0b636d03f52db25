// The shell: navigation and the route table. Each page lives in pages/ and owns its data.
import { NavLink, Navigate, Route, Routes } from "react-router-dom";
import AgentsPage from "./pages/AgentsPage";
import ChatPage from "./pages/ChatPage";
import McpServersPage from "./pages/McpServersPage";
import ModelsPage from "./pages/ModelsPage";
import NotFoundPage from "./pages/NotFoundPage";
import UsagePage from "./pages/UsagePage";

const NAV = [
  { to: "/agents", label: "Agents" },
  { to: "/models", label: "Models" },
  { to: "/mcp-servers", label: "MCP servers" },
  { to: "/usage", label: "Usage" },
];

export default function App() {
  return (
    <div className="shell">
      <header className="topbar">
        <a className="brand" href="/agents" aria-label="Bosun home">
          ⚓ Bosun
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} className={({ isActive }) => (isActive ? "active" : "")}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right" id="user-slot" />
      </header>
      <main className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/agents" replace />} />
          <Route path="/agents/*" element={<AgentsPage />} />
          <Route path="/chat/:namespace/:name" element={<ChatPage />} />
          <Route path="/chat/:namespace/:name/:sessionId" element={<ChatPage />} />
          <Route path="/models/*" element={<ModelsPage />} />
          <Route path="/mcp-servers/*" element={<McpServersPage />} />
          <Route path="/usage" element={<UsagePage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
