// /agents/new and /agents/:ns/:name/edit: the Agent manifest as a form and as YAML, both
// editable. Saves with POST /api/agents or PUT (with metadata.resourceVersion); the API's
// 422 field errors are shown next to the control of that field.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { get, post, put } from "../../api/client";
import type { List } from "../../api/types";
import DeploymentFields from "../DeploymentFields";
import { placeErrors } from "../errors";
import { CheckboxField, Section, SelectField, TextAreaField, TextField } from "../fields";
import ManifestEditor from "../ManifestEditor";
import { useNamespaces } from "../NamespaceSelect";
import { forEditing, getIn, setIn, type PathKey } from "../paths";
import type { Agent, AgentSpec, AgentTool, ModelConfig, ToolServer } from "../types";
import { useApi, useSave } from "../useApi";
import { AGENT_ERROR_RULES, newAgent } from "./agentModel";
import SkillsEditor from "./SkillsEditor";
import SubAgents from "./SubAgents";
import ToolsPicker from "./ToolsPicker";

const D: PathKey[] = ["spec", "declarative"];
const TEMPLATE_HINT =
  'A template: {{include "alias/key"}} inserts a key of a ConfigMap listed below; variables {{.AgentName}}, {{.AgentNamespace}}, {{.Description}}, {{.ToolNames}}.';

export default function AgentForm({ mode }: { mode: "create" | "edit" }) {
  const { ns = "default", name = "" } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const [manifest, setManifest] = useState<Agent | null>(null);
  const [loadError, setLoadError] = useState<unknown>();
  const { saving, error: saveError, run: runSave } = useSave();
  const stash = useRef<Record<string, unknown>>({});

  useEffect(() => {
    if (mode === "edit")
      get<Agent>(`/api/agents/${ns}/${name}`)
        .then((a) => setManifest(forEditing(a)))
        .catch(setLoadError);
    else setManifest(newAgent(search.get("namespace") ?? "default", "default-model-config"));
  }, [mode, ns, name]); // eslint-disable-line react-hooks/exhaustive-deps

  const namespace = (typeof manifest?.metadata?.namespace === "string" && manifest.metadata.namespace) || "default";
  const q = `?namespace=${encodeURIComponent(namespace)}`;
  const models = useApi<List<ModelConfig>>(`/api/modelconfigs${q}`);
  const servers = useApi<List<ToolServer>>(`/api/toolservers${q}`);
  const agents = useApi<List<Agent>>(`/api/agents${q}`);
  const namespaces = useNamespaces();

  if (loadError)
    return (
      <div className="error-banner" role="alert">
        Could not load agent {ns}/{name}: {(loadError as Error).message}. <Link to="/agents">Back to agents</Link>
      </div>
    );
  if (!manifest) return <p className="muted">Loading…</p>;

  const set = (path: PathKey[], value: unknown) => setManifest((m) => setIn(m, path, value));
  const spec: AgentSpec = manifest.spec ?? {};
  const byo = spec.type === "BYO";
  const decl = spec.declarative ?? {};
  const tools: AgentTool[] = Array.isArray(decl.tools) ? decl.tools : [];
  const errors = placeErrors(saveError, AGENT_ERROR_RULES, (control) => {
    const tool = control.match(/^tool:(\d+)$/);
    if (tool) {
      const t = tools[Number(tool[1])];
      return !byo && !!t && ((t.type === "McpServer" && !!t.mcpServer) || (t.type === "Agent" && !!t.agent));
    }
    if (control === "image") return byo;
    if (["model", "stream", "system", "promptTemplate", "tools", "skills"].includes(control) || control.startsWith("skill:"))
      return !byo;
    return true;
  });
  const setTools = (next: AgentTool[]) => set([...D, "tools"], next.length ? next : undefined);
  const fromSource = decl.systemMessageFrom !== undefined;
  const template = decl.promptTemplate;
  const sources = template?.dataSources ?? [];
  const deployPath: PathKey[] = byo ? ["spec", "byo", "deployment"] : [...D, "deployment"];

  const switchType = (type: string) => {
    if (type === (spec.type ?? "Declarative")) return;
    const [from, to] = type === "BYO" ? ["declarative", "byo"] : ["byo", "declarative"];
    stash.current[from] = getIn(manifest, ["spec", from]);
    let next = setIn(manifest, ["spec", "type"], type);
    next = setIn(next, ["spec", from], undefined);
    next = setIn(
      next,
      ["spec", to],
      stash.current[to] ?? (to === "byo" ? { deployment: { image: "" } } : { modelConfig: "default-model-config" }),
    );
    setManifest(next);
  };

  const save = () =>
    runSave(async () => {
      const saved =
        mode === "create"
          ? await post<Agent>("/api/agents", manifest)
          : await put<Agent>(`/api/agents/${ns}/${name}`, manifest);
      navigate(`/agents/${saved.metadata.namespace ?? "default"}/${saved.metadata.name}`);
    });

  const modelOptions = (models.data?.items ?? []).map((m) => ({
    value: m.metadata.name,
    label: `${m.metadata.name} (${m.spec.provider ?? "OpenAI"} · ${m.spec.model ?? ""})`,
  }));

  return (
    <ManifestEditor
      title={mode === "create" ? "New agent" : `Edit agent ${name}`}
      manifest={manifest}
      onChange={(m) => setManifest(m as Agent)}
      errors={errors}
      saving={saving}
      onSave={save}
      cancelTo={mode === "create" ? "/agents" : `/agents/${ns}/${name}`}
      saveLabel={mode === "create" ? "Create agent" : "Save changes"}
      check={(v) => (v.kind !== "Agent" ? `kind must be Agent (this form edits Agents), not ${String(v.kind)}` : null)}
    >
      <Section id="basics" title="Agent">
        <div className="rs-grid2">
          <TextField
            id="agent-name"
            label="Name"
            required
            value={manifest.metadata?.name}
            disabled={mode === "edit"}
            placeholder="my-agent"
            hint={mode === "create" ? "lowercase letters, digits and '-'" : undefined}
            onChange={(v) => set(["metadata", "name"], v)}
            error={errors.of("name")}
          />
          <TextField
            id="agent-namespace"
            label="Namespace"
            value={manifest.metadata?.namespace}
            disabled={mode === "edit"}
            list="agent-namespaces"
            onChange={(v) => set(["metadata", "namespace"], v)}
            error={errors.of("namespace")}
          />
          <datalist id="agent-namespaces">
            {namespaces.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </div>
        <TextField
          id="agent-description"
          label="Description"
          value={spec.description}
          placeholder="What the agent does (users and other agents see it)"
          onChange={(v) => set(["spec", "description"], v)}
          error={errors.of("description")}
        />
        <SelectField
          id="agent-type"
          label="Type"
          value={spec.type ?? "Declarative"}
          options={[
            { value: "Declarative", label: "Declarative (Bosun runs it from this spec)" },
            { value: "BYO", label: "BYO (your image serving A2A)" },
          ]}
          onChange={switchType}
          error={errors.of("type")}
        />
      </Section>

      {byo ? (
        <Section id="byo" title="Your image">
          <TextField
            id="agent-image"
            label="Image"
            required
            value={spec.byo?.deployment?.image}
            placeholder="ghcr.io/me/my-agent:1.0"
            hint="It must serve A2A on port 8080 (or deployment.port in the YAML)."
            onChange={(v) => set(["spec", "byo", "deployment", "image"], v)}
            error={errors.of("image")}
          />
        </Section>
      ) : (
        <>
          <Section id="model" title="Model and prompt">
            <SelectField
              id="agent-model"
              label="Model"
              value={decl.modelConfig ?? "default-model-config"}
              options={modelOptions}
              hint={
                <>
                  A ModelConfig in {namespace}. <Link to="/models/new">New model</Link>
                </>
              }
              onChange={(v) => set([...D, "modelConfig"], v)}
              error={errors.of("model")}
            />
            <CheckboxField
              id="agent-stream"
              label="Stream the answer token by token"
              checked={!!decl.stream}
              onChange={(v) => set([...D, "stream"], v || undefined)}
              error={errors.of("stream")}
            />
            <SelectField
              id="agent-system-source"
              label="System message from"
              value={fromSource ? "from" : "inline"}
              options={[
                { value: "inline", label: "Text written here" },
                { value: "from", label: "A ConfigMap or Secret key" },
              ]}
              onChange={(v) => {
                let next = setIn(manifest, [...D, "systemMessage"], v === "inline" ? (stash.current.systemMessage ?? "") : undefined);
                if (v === "from") stash.current.systemMessage = decl.systemMessage;
                next = setIn(next, [...D, "systemMessageFrom"], v === "from" ? { type: "ConfigMap", name: "", key: "" } : undefined);
                setManifest(next);
              }}
            />
            {fromSource ? (
              <div className="rs-grid3">
                <SelectField
                  id="agent-system-from-type"
                  label="Source kind"
                  value={decl.systemMessageFrom?.type}
                  options={[{ value: "ConfigMap" }, { value: "Secret" }]}
                  onChange={(v) => set([...D, "systemMessageFrom", "type"], v)}
                />
                <TextField
                  id="agent-system-from-name"
                  label="Source name"
                  value={decl.systemMessageFrom?.name}
                  onChange={(v) => set([...D, "systemMessageFrom", "name"], v)}
                  error={errors.of("system")}
                />
                <TextField
                  id="agent-system-from-key"
                  label="Source key"
                  value={decl.systemMessageFrom?.key}
                  onChange={(v) => set([...D, "systemMessageFrom", "key"], v)}
                />
              </div>
            ) : (
              <TextAreaField
                id="agent-system-message"
                label="System message"
                rows={6}
                value={decl.systemMessage}
                hint={template ? TEMPLATE_HINT : undefined}
                onChange={(v) => set([...D, "systemMessage"], v)}
                error={errors.of("system")}
              />
            )}
            <CheckboxField
              id="agent-template"
              label="Treat the system message as a template (includes and variables)"
              checked={template !== undefined}
              onChange={(on) => set([...D, "promptTemplate"], on ? (stash.current.promptTemplate ?? {}) : undefined)}
              error={errors.of("promptTemplate")}
            />
            {template !== undefined && (
              <div className="rs-sources" role="group" aria-label="Include sources">
                {sources.map((s, i) => (
                  <div className="rs-row-edit" key={i}>
                    <input
                      aria-label={`ConfigMap of include source ${i + 1}`}
                      value={s.name}
                      placeholder="ConfigMap name"
                      onChange={(e) =>
                        set([...D, "promptTemplate"], { ...template, dataSources: sources.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })
                      }
                    />
                    <input
                      aria-label={`Alias of include source ${i + 1}`}
                      value={s.alias ?? ""}
                      placeholder={`alias (default ${s.name || "the name"})`}
                      onChange={(e) =>
                        set([...D, "promptTemplate"], {
                          ...template,
                          dataSources: sources.map((x, j) => (j === i ? { ...x, alias: e.target.value || undefined } : x)),
                        })
                      }
                    />
                    <button
                      type="button"
                      aria-label={`Remove include source ${s.name || i + 1}`}
                      onClick={() => {
                        const rest = sources.filter((_, j) => j !== i);
                        const { dataSources: _d, ...others } = template;
                        void _d;
                        set([...D, "promptTemplate"], rest.length ? { ...template, dataSources: rest } : others);
                      }}
                    >
                      ✕
                    </button>
                  </div>
                ))}
                <button
                  type="button"
                  onClick={() => set([...D, "promptTemplate"], { ...template, dataSources: [...sources, { kind: "ConfigMap", name: "" }] })}
                >
                  Add include source
                </button>
              </div>
            )}
          </Section>

          <Section id="tools" title="Tools" error={errors.of("tools")}>
            <ToolsPicker
              namespace={namespace}
              tools={tools}
              setTools={setTools}
              servers={servers.data?.items}
              errorOf={errors.of}
              agentAnnotations={manifest.metadata?.annotations}
            />
          </Section>

          <Section id="subagents" title="Sub-agents (agents as tools)">
            <SubAgents
              namespace={namespace}
              self={manifest.metadata?.name ?? ""}
              tools={tools}
              setTools={setTools}
              agents={agents.data?.items}
              errorOf={errors.of}
            />
          </Section>

          <Section id="skills" title="A2A skills" error={errors.of("skills")}>
            <SkillsEditor
              skills={decl.a2aConfig?.skills ?? []}
              setSkills={(skills) => set([...D, "a2aConfig", "skills"], skills)}
              errorOf={errors.of}
            />
          </Section>
        </>
      )}

      <DeploymentFields
        idPrefix="agent"
        deployment={getIn(manifest, deployPath)}
        set={(path, value) => set([...deployPath, ...path], value)}
        errorOf={errors.of}
        replicasHint="Pods in a cluster (default 1); local mode runs one process."
      />
    </ManifestEditor>
  );
}
