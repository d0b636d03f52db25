// /models/new and /models/:ns/:name/edit: a ModelConfig as a form and as YAML, with the
// provider's own fields and a write-only API key. The key is sent as `apiKey` next to
// `spec` (stored in a Secret by the API) and is never put in the YAML or shown again.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { get, post, put } from "../../api/client";
import { placeErrors } from "../errors";
import { Section, SelectField, TextField } from "../fields";
import ManifestEditor from "../ManifestEditor";
import { forEditing, getIn, setIn, type PathKey } from "../paths";
import type { ModelConfig } from "../types";
import { PROVIDERS, modelErrorRules, type ProviderField } from "./providers";
import { useSave } from "../useApi";

function newModel(namespace: string): ModelConfig {
  return {
    apiVersion: "kagent.dev/v1alpha2",
    kind: "ModelConfig",
    metadata: { name: "", namespace },
    spec: { provider: "OpenAI", model: "" },
  };
}

export default function ModelForm({ mode }: { mode: "create" | "edit" }) {
  const { ns = "default", name = "" } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const [manifest, setManifest] = useState<ModelConfig | null>(null);
  const [apiKey, setApiKey] = useState("");
  const [loadError, setLoadError] = useState<unknown>();
  const { saving, error: saveError, run: runSave } = useSave();
  const stash = useRef<Record<string, unknown>>({});

  useEffect(() => {
    if (mode === "edit")
      get<ModelConfig>(`/api/modelconfigs/${ns}/${name}`)
        .then((m) => setManifest(forEditing(m)))
        .catch(setLoadError);
    else setManifest(newModel(search.get("namespace") ?? "default"));
  }, [mode, ns, name]); // eslint-disable-line react-hooks/exhaustive-deps

  if (loadError)
    return (
      <div className="error-banner" role="alert">
        Could not load model {ns}/{name}: {(loadError as Error).message}. <Link to="/models">Back to models</Link>
      </div>
    );
  if (!manifest) return <p className="muted">Loading…</p>;

  const spec = manifest.spec ?? {};
  const provider = String(spec.provider ?? "OpenAI");
  const info = PROVIDERS[provider];
  const errors = placeErrors(saveError, modelErrorRules(provider));
  const set = (path: PathKey[], value: unknown) => setManifest((m) => setIn(m, path, value));
  const secretName = spec.apiKeySecret ?? `${manifest.metadata?.name || "<name>"}-api-key`;

  const switchProvider = (next: string) => {
    if (next === provider) return;
    const oldBlock = info?.block;
    let m: ModelConfig = setIn(manifest, ["spec", "provider"], next);
    if (oldBlock) {
      stash.current[oldBlock] = getIn(manifest, ["spec", oldBlock]);
      m = setIn(m, ["spec", oldBlock], undefined); // a block of another provider is refused
    }
    const newBlock = PROVIDERS[next]?.block;
    if (newBlock && stash.current[newBlock] !== undefined) m = setIn(m, ["spec", newBlock], stash.current[newBlock]);
    setManifest(m);
  };

  const fieldControl = (f: ProviderField) => {
    const path = ["spec", info.block, f.key];
    const value = getIn(manifest, path);
    const id = `model-${f.key}`;
    const error = errors.of(`block:${f.key}`);
    if (f.kind === "select")
      return (
        <SelectField
          key={f.key}
          id={id}
          label={f.label}
          value={value ?? ""}
          options={(f.options ?? []).map((o) => ({ value: o, label: o || "default" }))}
          onChange={(v) => set(path, v || undefined)}
          error={error}
        />
      );
    return (
      <TextField
        key={f.key}
        id={id}
        label={f.label}
        required={f.required}
        type={f.kind === "int" ? "number" : f.kind === "url" ? "url" : "text"}
        value={value === undefined ? "" : String(value)}
        placeholder={f.placeholder}
        onChange={(v) =>
          set(path, v.trim() === "" ? undefined : f.kind === "int" && !Number.isNaN(Number(v)) ? Number(v) : v)
        }
        error={error}
      />
    );
  };

  const save = () =>
    runSave(async () => {
      const body = apiKey ? { ...manifest, apiKey } : manifest;
      const saved =
        mode === "create"
          ? await post<ModelConfig>("/api/modelconfigs", body)
          : await put<ModelConfig>(`/api/modelconfigs/${ns}/${name}`, body);
      setApiKey("");
      navigate(`/models/${saved.metadata.namespace ?? "default"}/${saved.metadata.name}`);
    });

  return (
    <ManifestEditor
      title={mode === "create" ? "New model" : `Edit model ${name}`}
      manifest={manifest}
      onChange={(m) => setManifest(m as ModelConfig)}
      errors={errors}
      saving={saving}
      onSave={save}
      cancelTo={mode === "create" ? "/models" : `/models/${ns}/${name}`}
      saveLabel={mode === "create" ? "Create model" : "Save changes"}
      check={(v) => (v.kind !== "ModelConfig" ? `kind must be ModelConfig, not ${String(v.kind)}` : null)}
    >
      <Section id="model-basics" title="ModelConfig">
        <div className="rs-grid2">
          <TextField
            id="model-name"
            label="Name"
            required
            value={manifest.metadata?.name}
            disabled={mode === "edit"}
            placeholder="my-model"
            onChange={(v) => set(["metadata", "name"], v)}
            error={errors.of("name")}
          />
          <TextField
            id="model-namespace"
            label="Namespace"
            value={manifest.metadata?.namespace}
            disabled={mode === "edit"}
            onChange={(v) => set(["metadata", "namespace"], v)}
            error={errors.of("namespace")}
          />
        </div>
        <div className="rs-grid2">
          <SelectField
            id="model-provider"
            label="Provider"
            value={provider}
            options={Object.keys(PROVIDERS).map((p) => ({ value: p }))}
            onChange={switchProvider}
            error={errors.of("provider")}
          />
          <TextField
            id="model-model"
            label="Model"
            required
            value={spec.model}
            placeholder={info?.modelHint}
            onChange={(v) => set(["spec", "model"], v)}
            error={errors.of("model")}
          />
        </div>
      </Section>

      <Section id="model-key" title="API key">
        <TextField
          id="model-api-key"
          label="API key"
          type="password"
          autoComplete="new-password"
          value={apiKey}
          placeholder={mode === "edit" && spec.apiKeySecret ? "•••••• stored (type to replace)" : "sk-…"}
          onChange={setApiKey}
          error={errors.of("apiKey")}
          hint={
            <>
              Write-only: stored in the Secret <code>{secretName}</code>
              {" "}(key <code>{spec.apiKeySecretKey ?? "apiKey"}</code>), never shown again.
              {mode === "edit" && " Leave empty to keep the stored key."}
              {info && !info.needsKey && " This provider usually needs none."}
            </>
          }
        />
        <details>
          <summary>Use an existing Secret</summary>
          <div className="rs-grid2">
            <TextField
              id="model-api-key-secret"
              label="Secret name"
              value={spec.apiKeySecret}
              placeholder={`${manifest.metadata?.name || "name"}-api-key`}
              onChange={(v) => set(["spec", "apiKeySecret"], v || undefined)}
              error={errors.of("apiKeySecret")}
            />
            <TextField
              id="model-api-key-secret-key"
              label="Key in the Secret"
              value={spec.apiKeySecretKey}
              placeholder="apiKey"
              onChange={(v) => set(["spec", "apiKeySecretKey"], v || undefined)}
              error={errors.of("apiKeySecretKey")}
              hint="Set both, or neither."
            />
          </div>
        </details>
      </Section>

      {info && (
        <Section id="model-provider-settings" title={`${provider} settings`}>
          <div className="rs-grid2">{info.fields.map(fieldControl)}</div>
        </Section>
      )}
    </ManifestEditor>
  );
}
