// /mcp-servers/new and /mcp-servers/:ns/:name/edit?kind=: a RemoteMCPServer or an
// MCPServer as a form and as YAML. Saves with POST/PUT /api/toolservers.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { get, post, put } from "../../api/client";
import DeploymentFields from "../DeploymentFields";
import { placeErrors } from "../errors";
import { ListField, NumberField, Section, SelectField, TextField } from "../fields";
import ManifestEditor from "../ManifestEditor";
import { forEditing, getIn, setIn, type PathKey } from "../paths";
import { TOOL_SERVER_API_VERSION, type JsonObject, type ToolServer, type ToolServerKind } from "../types";
import HeadersEditor from "./HeadersEditor";
import { SERVER_ERROR_RULES, controlShown, defaultSpec, newServer } from "./serverModel";
import { useSave } from "../useApi";

const KINDS: ToolServerKind[] = ["RemoteMCPServer", "MCPServer"];

export default function ServerForm({ mode }: { mode: "create" | "edit" }) {
  const { ns = "default", name = "" } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const [manifest, setManifest] = useState<ToolServer | null>(null);
  const [loadError, setLoadError] = useState<unknown>();
  const { saving, error: saveError, run: runSave } = useSave();
  const stash = useRef<Record<string, unknown>>({});
  const kindParam = search.get("kind");

  useEffect(() => {
    if (mode === "edit")
      get<ToolServer>(`/api/toolservers/${ns}/${name}${kindParam ? `?kind=${kindParam}` : ""}`)
        .then((s) => setManifest(forEditing(s)))
        .catch(setLoadError);
    else
      setManifest(
        newServer(kindParam === "MCPServer" ? "MCPServer" : "RemoteMCPServer", search.get("namespace") ?? "default"),
      );
  }, [mode, ns, name]); // eslint-disable-line react-hooks/exhaustive-deps

  if (loadError)
    return (
      <div className="error-banner" role="alert">
        Could not load tool server {ns}/{name}: {(loadError as Error).message}.{" "}
        <Link to="/mcp-servers">Back to MCP servers</Link>
      </div>
    );
  if (!manifest) return <p className="muted">Loading…</p>;

  const kind = manifest.kind as ToolServerKind;
  const spec = (manifest.spec ?? {}) as Record<string, unknown>;
  const http = spec.transportType === "http";
  const errors = placeErrors(saveError, SERVER_ERROR_RULES, (c) => controlShown(kind, c, http));
  const set = (path: PathKey[], value: unknown) => setManifest((m) => setIn(m, path, value));
  const s = (key: string) => (typeof spec[key] === "string" ? (spec[key] as string) : undefined);
  const dep = (spec.deployment ?? {}) as Record<string, unknown>;
  const D: PathKey[] = ["spec", "deployment"];

  const switchKind = (next: string) => {
    if (next === kind || !KINDS.includes(next as ToolServerKind)) return;
    stash.current[kind] = manifest.spec;
    const restored = (stash.current[next] as JsonObject | undefined) ?? {
      ...defaultSpec(next as ToolServerKind),
      description: (spec.description as string | undefined) ?? "",
    };
    setManifest({ ...manifest, apiVersion: TOOL_SERVER_API_VERSION[next as ToolServerKind], kind: next, spec: restored });
  };

  const save = () =>
    runSave(async () => {
      const saved =
        mode === "create"
          ? await post<ToolServer>("/api/toolservers", manifest)
          : await put<ToolServer>(`/api/toolservers/${ns}/${name}?kind=${kind}`, manifest);
      navigate(`/mcp-servers/${saved.metadata.namespace ?? "default"}/${saved.metadata.name}?kind=${saved.kind}`);
    });

  return (
    <ManifestEditor
      title={mode === "create" ? "New MCP server" : `Edit ${kind} ${name}`}
      manifest={manifest}
      onChange={(m) => setManifest(m as ToolServer)}
      errors={errors}
      saving={saving}
      onSave={save}
      cancelTo={mode === "create" ? "/mcp-servers" : `/mcp-servers/${ns}/${name}?kind=${kind}`}
      saveLabel={mode === "create" ? "Create server" : "Save changes"}
      check={(v) =>
        !KINDS.includes(v.kind as ToolServerKind)
          ? `kind must be RemoteMCPServer or MCPServer, not ${String(v.kind)}`
          : mode === "edit" && v.kind !== kind
            ? `kind cannot change when editing (it is ${kind})`
            : null
      }
    >
      <Section id="server-basics" title="Tool server">
        <SelectField
          id="server-kind"
          label="Kind"
          value={kind}
          disabled={mode === "edit"}
          options={[
            { value: "RemoteMCPServer", label: "RemoteMCPServer — a server reachable over HTTP" },
            { value: "MCPServer", label: "MCPServer — a server Bosun runs (image, npx or uvx)" },
          ]}
          onChange={switchKind}
          error={errors.of("kind")}
        />
        <div className="rs-grid2">
          <TextField
            id="server-name"
            label="Name"
            required
            value={manifest.metadata?.name}
            disabled={mode === "edit"}
            placeholder="my-tools"
            onChange={(v) => set(["metadata", "name"], v)}
            error={errors.of("name")}
          />
          <TextField
            id="server-namespace"
            label="Namespace"
            value={manifest.metadata?.namespace}
            disabled={mode === "edit"}
            onChange={(v) => set(["metadata", "namespace"], v)}
            error={errors.of("namespace")}
          />
        </div>
        <TextField
          id="server-description"
          label="Description"
          value={s("description")}
          placeholder="What the server's tools are for"
          onChange={(v) => set(["spec", "description"], v)}
          error={errors.of("description")}
        />
        <TextField
          id="server-timeout"
          label="Timeout"
          value={s("timeout")}
          placeholder="30s"
          hint="A duration: 30s, 1m30s, 500ms."
          onChange={(v) => set(["spec", "timeout"], v || undefined)}
          error={errors.of("timeout")}
        />
      </Section>

      {kind === "RemoteMCPServer" ? (
        <>
          <Section id="server-remote" title="Endpoint">
            <TextField
              id="server-url"
              label="URL"
              required
              type="url"
              value={s("url")}
              placeholder="http://tools.default:8084/mcp"
              onChange={(v) => set(["spec", "url"], v)}
              error={errors.of("url")}
            />
            <SelectField
              id="server-protocol"
              label="Protocol"
              value={s("protocol") ?? "STREAMABLE_HTTP"}
              options={[
                { value: "STREAMABLE_HTTP", label: "Streamable HTTP" },
                { value: "SSE", label: "SSE" },
              ]}
              onChange={(v) => set(["spec", "protocol"], v)}
              error={errors.of("protocol")}
            />
          </Section>
          <HeadersEditor
            headers={(Array.isArray(spec.headersFrom) ? spec.headersFrom : []) as never[]}
            onChange={(h) => set(["spec", "headersFrom"], h)}
            error={errors.of("headers")}
          />
        </>
      ) : (
        <>
          <Section id="server-run" title="How Bosun runs it">
            <SelectField
              id="server-transport"
              label="Transport"
              value={s("transportType") ?? "stdio"}
              options={[
                { value: "stdio", label: "stdio (Bosun's bridge serves it over HTTP)" },
                { value: "http", label: "http (the image serves MCP itself)" },
              ]}
              onChange={(v) => {
                let next = setIn(manifest, ["spec", "transportType"], v);
                if (v !== "http") next = setIn(next, ["spec", "httpTransport"], undefined);
                setManifest(next);
              }}
              error={errors.of("transport")}
            />
            {http && (
              <div className="rs-grid2">
                <TextField
                  id="server-http-path"
                  label="HTTP path"
                  value={getIn(manifest, ["spec", "httpTransport", "path"])}
                  placeholder="/mcp"
                  onChange={(v) => set(["spec", "httpTransport", "path"], v || undefined)}
                  error={errors.of("http")}
                />
                <NumberField
                  id="server-http-port"
                  label="Target port"
                  value={getIn(manifest, ["spec", "httpTransport", "targetPort"])}
                  placeholder="the deployment port"
                  onChange={(v) => set(["spec", "httpTransport", "targetPort"], v)}
                />
              </div>
            )}
            <TextField
              id="server-image"
              label="Image"
              value={typeof dep.image === "string" ? dep.image : undefined}
              placeholder="optional with npx or uvx"
              onChange={(v) => set([...D, "image"], v || undefined)}
              error={errors.of("image")}
            />
            <div className="rs-grid2">
              <TextField
                id="server-cmd"
                label="Command"
                value={typeof dep.cmd === "string" ? dep.cmd : undefined}
                placeholder="npx"
                onChange={(v) => set([...D, "cmd"], v || undefined)}
                error={errors.of("cmd")}
              />
              <NumberField
                id="server-port"
                label="Port"
                min={1}
                value={typeof dep.port === "number" ? dep.port : undefined}
                placeholder="3000"
                onChange={(v) => set([...D, "port"], v)}
                error={errors.of("port")}
              />
            </div>
            <ListField
              id="server-args"
              label="Arguments (one per line)"
              separator={"\n"}
              value={Array.isArray(dep.args) ? (dep.args as string[]) : undefined}
              placeholder={"-y\n@modelcontextprotocol/server-everything"}
              onChange={(v) => set([...D, "args"], v)}
              error={errors.of("args")}
            />
            <ListField
              id="server-secret-refs"
              label="Secrets whose keys become env vars"
              separator=","
              value={Array.isArray(dep.secretRefs) ? (dep.secretRefs as { name: string }[]).map((r) => r.name) : undefined}
              placeholder="github-token, other-secret"
              onChange={(v) => set([...D, "secretRefs"], v?.map((n) => ({ name: n })))}
              error={errors.of("secretRefs")}
            />
          </Section>
          <DeploymentFields
            idPrefix="server"
            deployment={dep}
            set={(path, value) => set([...D, ...path], value)}
            errorOf={errors.of}
          />
        </>
      )}
    </ManifestEditor>
  );
}
