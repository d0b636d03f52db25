// The agent form's MCP tools: the discovered tools of each tool server, grouped by server,
// each with "use" and "require approval" toggles. It edits spec.declarative.tools entries
// of type McpServer (toolNames, requireApproval) and leaves every other field of an entry.
import { Link } from "react-router-dom";
import { Badge } from "../Status";
import type { AgentTool, McpServerToolRef, ToolServer } from "../types";
import { serverKey } from "./agentModel";
import { defaultApprovalOn, isDestructive } from "./approval";

interface Props {
  namespace: string;
  tools: AgentTool[];
  setTools: (tools: AgentTool[]) => void;
  servers: ToolServer[] | undefined;
  errorOf: (control: string) => string | undefined;
  agentAnnotations?: Record<string, string>; // decides the built-in server's default approval
}

interface Group {
  key: string;
  kind: string;
  name: string;
  namespace: string;
  server?: ToolServer;
  index: number; // index of its entry in spec.declarative.tools, -1 when not used
}

const slug = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, "-");

export default function ToolsPicker({ namespace, tools, setTools, servers, errorOf, agentAnnotations }: Props) {
  const groups: Group[] = [];
  for (const s of servers ?? []) {
    const sns = s.metadata.namespace ?? "default";
    groups.push({ key: serverKey(s.kind, sns, s.metadata.name), kind: s.kind, name: s.metadata.name, namespace: sns, server: s, index: -1 });
  }
  tools.forEach((t, i) => {
    if (t.type !== "McpServer" || !t.mcpServer) return;
    const ref = t.mcpServer;
    const key = serverKey(ref.kind, ref.namespace ?? namespace, ref.name);
    const group = groups.find((g) => g.key === key);
    if (group && group.index < 0) group.index = i;
    else if (!group)
      groups.push({ key, kind: ref.kind ?? "RemoteMCPServer", name: ref.name, namespace: ref.namespace ?? namespace, index: i });
  });

  const updateRef = (g: Group, names: string[], approval: string[]) => {
    const next = [...tools];
    if (names.length === 0) {
      if (g.index >= 0) next.splice(g.index, 1);
    } else if (g.index >= 0) {
      const entry = next[g.index];
      const ref: McpServerToolRef = { ...entry.mcpServer!, toolNames: names };
      const kept = approval.filter((a) => names.includes(a));
      if (kept.length) ref.requireApproval = kept;
      else delete ref.requireApproval;
      next[g.index] = { ...entry, mcpServer: ref };
    } else {
      const ref: McpServerToolRef = { apiGroup: "kagent.dev", kind: g.kind as McpServerToolRef["kind"], name: g.name };
      if (g.namespace !== namespace) ref.namespace = g.namespace;
      ref.toolNames = names;
      if (approval.length) ref.requireApproval = approval;
      next.push({ type: "McpServer", mcpServer: ref });
    }
    setTools(next);
  };

  if (groups.length === 0)
    return (
      <p className="muted">
        No tool servers in {namespace}. <Link to="/mcp-servers/new">Add an MCP server</Link> first.
      </p>
    );

  return (
    <div className="stack">
      {groups.map((g) => {
        const entry = g.index >= 0 ? tools[g.index].mcpServer : undefined;
        const discovered = g.server?.status?.discoveredTools ?? [];
        const all = !!entry && !(entry.toolNames?.length);
        const selected = all ? discovered.map((t) => t.name) : (entry?.toolNames ?? []);
        const approval = entry?.requireApproval ?? [];
        const byDefault = defaultApprovalOn(agentAnnotations, g.server);
        const extra = selected.filter((n) => !discovered.some((t) => t.name === n));
        const rows = [...discovered, ...extra.map((name) => ({ name, description: undefined, missing: true }))];
        const error = g.index >= 0 ? errorOf(`tool:${g.index}`) : undefined;
        const gid = `tools-${slug(g.key)}`;
        return (
          <div className={`rs-toolgroup ${error ? "has-error" : ""}`} key={g.key} role="group" aria-labelledby={`${gid}-title`} aria-describedby={error ? `${gid}-error` : undefined}>
            <div className="rs-toolgroup-head">
              <strong id={`${gid}-title`}>{g.namespace === namespace ? g.name : `${g.namespace}/${g.name}`}</strong>
              <span className="muted">{g.kind}</span>
              {!g.server && <Badge health="bad">server not found</Badge>}
              <span className="rs-spacer" />
              {discovered.length > 0 && (
                <button type="button" onClick={() => updateRef(g, discovered.map((t) => t.name), approval)}>
                  Select all
                </button>
              )}
              {entry && (
                <button type="button" onClick={() => updateRef(g, [], [])} aria-label={`Remove ${g.name}`}>
                  Clear
                </button>
              )}
            </div>
            {error && (
              <div className="field-error" id={`${gid}-error`}>
                {error}
              </div>
            )}
            {all && <p className="muted">All tools of this server (toolNames is empty; tools it adds later are included).</p>}
            {g.server && discovered.length === 0 && <p className="muted">No tools discovered yet.</p>}
            {byDefault && (
              <p className="muted" role="note">
                Built-in tool server: destructive tools pause for approval by default.
              </p>
            )}
            <ul className="rs-toollist">
              {rows.map((t) => {
                const used = selected.includes(t.name);
                const needs = approval.includes(t.name);
                // Destructive tools of the built-in server pause anyway: shown checked and fixed.
                const pauses = byDefault && !("missing" in t) && isDestructive(t);
                const id = `${gid}-${slug(t.name)}`;
                return (
                  <li key={t.name} className={used ? "used" : ""}>
                    <input
                      type="checkbox"
                      id={`${id}-use`}
                      checked={used}
                      aria-label={`Use ${t.name} from ${g.name}`}
                      aria-describedby={t.description ? `${id}-desc` : undefined}
                      onChange={(e) =>
                        updateRef(g, e.target.checked ? [...selected, t.name] : selected.filter((n) => n !== t.name), approval)
                      }
                    />
                    <label htmlFor={`${id}-use`} className="mono rs-toolname">
                      {t.name}
                    </label>
                    {"missing" in t && <Badge health="bad">not discovered</Badge>}
                    <label className="rs-approve">
                      <input
                        type="checkbox"
                        checked={needs || pauses}
                        disabled={pauses && !needs}
                        title={pauses && !needs ? "destructive tool of the built-in tool server: pauses for approval by default" : undefined}
                        aria-label={`Require approval for ${t.name} from ${g.name}`}
                        onChange={(e) =>
                          updateRef(
                            g,
                            used ? selected : [...selected, t.name],
                            e.target.checked ? [...approval, t.name] : approval.filter((n) => n !== t.name),
                          )
                        }
                      />
                      {pauses && !needs ? "require approval (default)" : "require approval"}
                    </label>
                    {t.description && (
                      <div className="rs-tooldesc muted" id={`${id}-desc`}>
                        {t.description}
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </div>
  );
}
