// The agent form's sub-agents: Agent-type entries of spec.declarative.tools (agent as tool).
import { useState } from "react";
import { ConditionBadge } from "../Status";
import type { Agent, AgentTool } from "../types";
import { agentNs } from "./agentModel";

interface Props {
  namespace: string;
  self: string;
  tools: AgentTool[];
  setTools: (tools: AgentTool[]) => void;
  agents: Agent[] | undefined;
  errorOf: (control: string) => string | undefined;
}

export default function SubAgents({ namespace, self, tools, setTools, agents, errorOf }: Props) {
  const [pick, setPick] = useState("");
  const used = new Set(
    tools.filter((t) => t.type === "Agent" && t.agent).map((t) => `${t.agent!.namespace ?? namespace}/${t.agent!.name}`),
  );
  const choices = (agents ?? []).filter(
    (a) => agentNs(a) === namespace && a.metadata.name !== self && !used.has(`${namespace}/${a.metadata.name}`),
  );
  const add = () => {
    if (!pick) return;
    setTools([...tools, { type: "Agent", agent: { name: pick } }]);
    setPick("");
  };
  return (
    <div className="stack">
      <ul className="rs-plain rs-subagents">
        {tools.map((t, i) => {
          if (t.type !== "Agent" || !t.agent) return null;
          const ns = t.agent.namespace ?? namespace;
          const found = agents?.find((a) => a.metadata.name === t.agent!.name && agentNs(a) === ns);
          const error = errorOf(`tool:${i}`);
          return (
            <li key={i} className={error ? "has-error" : ""}>
              <div className="row">
                <strong>{ns === namespace ? t.agent.name : `${ns}/${t.agent.name}`}</strong>
                {found ? <ConditionBadge resource={found} type="Ready" /> : <span className="badge bad">not found</span>}
                <button
                  type="button"
                  aria-label={`Remove sub-agent ${t.agent.name}`}
                  onClick={() => setTools(tools.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </div>
              {found?.spec.description && <div className="muted">{found.spec.description}</div>}
              {error && <div className="field-error">{error}</div>}
            </li>
          );
        })}
      </ul>
      <div className="row">
        <label htmlFor="subagent-pick" className="rs-inline-label">
          Add sub-agent
        </label>
        <select id="subagent-pick" value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">{choices.length ? "choose an agent…" : "no other agents in this namespace"}</option>
          {choices.map((a) => (
            <option key={a.metadata.name} value={a.metadata.name}>
              {a.metadata.name}
            </option>
          ))}
        </select>
        <button type="button" onClick={add} disabled={!pick}>
          Add
        </button>
      </div>
    </div>
  );
}
