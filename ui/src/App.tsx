// The shell: navigation, who is signed in, and the route table. Each page lives in pages/
// and owns its data. With token/OIDC auth the login form replaces the pages until a token
// is accepted (auth/auth.tsx).
import { lazy, Suspense } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router-dom";
import { AuthGate, AuthProvider, UserSlot } from "./auth/auth";
import AgentsPage from "./pages/AgentsPage";
import McpServersPage from "./pages/McpServersPage";
import ModelsPage from "./pages/ModelsPage";
import NotFoundPage from "./pages/NotFoundPage";

// Loaded when first opened, so the first page needs less JavaScript.
const ChatPage = lazy(() => import("./pages/ChatPage"));
const UsagePage = lazy(() => import("./pages/UsagePage"));
const MemoryPage = lazy(() => import("./pages/MemoryPage"));

const NAV = [
  { to: "/agents", label: "Agents" },
  { to: "/models", label: "Models" },
  { to: "/mcp-servers", label: "MCP servers" },
  { to: "/usage", label: "Usage" },
  { to: "/memory", label: "Memory" },
];

export default function App() {
  return (
    <AuthProvider>
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
          <div className="topbar-right" id="user-slot">
            <UserSlot />
          </div>
        </header>
        <main className="content">
          <AuthGate>
            <Suspense fallback={<p className="muted">Loading…</p>}>
              <Routes>
                <Route path="/" element={<Navigate to="/agents" replace />} />
                <Route path="/agents/*" element={<AgentsPage />} />
                <Route path="/chat/:namespace/:name" element={<ChatPage />} />
                <Route path="/chat/:namespace/:name/:sessionId" element={<ChatPage />} />
                <Route path="/models/*" element={<ModelsPage />} />
                <Route path="/mcp-servers/*" element={<McpServersPage />} />
                <Route path="/usage" element={<UsagePage />} />
                <Route path="/memory" element={<MemoryPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            </Suspense>
          </AuthGate>
        </main>
      </div>
    </AuthProvider>
  );
}
