// What agents remember about you: your long-term memories per agent (GET /api/memories),
// each deletable, and "Forget everything" for one agent. Only your own are ever listed.
import { useEffect, useState } from "react";
import { errorText } from "../chat/store";
import { agentRefs, deleteMemory, forgetAll, listMemories, type Memory } from "../memory/api";

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}

export default function MemoryPage() {
  const [agents, setAgents] = useState<string[]>([]);
  const [agent, setAgent] = useState("");
  const [items, setItems] = useState<Memory[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    agentRefs().then(setAgents).catch((err) => setError(errorText(err)));
  }, []);

  const load = (ref: string) => {
    setError(null);
    listMemories(ref)
      .then(setItems)
      .catch((err) => setError(errorText(err)));
  };
  useEffect(() => load(agent), [agent]);

  const remove = async (m: Memory) => {
    try {
      await deleteMemory(m.id);
      load(agent);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const clear = async () => {
    if (!agent || !window.confirm(`Forget everything ${agent} remembers about you?`)) return;
    try {
      await forgetAll(agent);
      load(agent);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section aria-labelledby="memory-title">
      <h1 id="memory-title">Memory</h1>
      <p className="muted">What agents with long-term memory saved about you. Nobody else sees these.</p>
      <div className="toolbar">
        <label>
          Agent{" "}
          <select value={agent} onChange={(e) => setAgent(e.target.value)}>
            <option value="">All agents</option>
            {agents.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="button" onClick={clear} disabled={!agent || !items?.length}>
          Forget everything
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p className="muted">No memories.</p>}
      {items && items.length > 0 && (
        <table aria-label="Memories">
          <thead>
            <tr>
              <th>Memory</th>
              <th>Agent</th>
              <th>Saved</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id}>
                <td>{m.content}</td>
                <td>
                  {m.agent_namespace}/{m.agent_name}
                </td>
                <td>{when(m.created_at)}</td>
                <td>{when(m.expires_at)}</td>
                <td>
                  <button type="button" onClick={() => remove(m)} aria-label={`Delete memory: ${m.content}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
