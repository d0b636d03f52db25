// Pod settings shared by Agents and MCPServers: replicas, environment variables and
// container resources. Anything else under `deployment` (volumes, affinity…) is left alone.
import type { DeploymentSpec, EnvVar } from "./types";
import { NumberField, Section, TextField } from "./fields";
import type { PathKey } from "./paths";

interface Props {
  idPrefix: string;
  deployment: DeploymentSpec | undefined;
  set: (path: PathKey[], value: unknown) => void;
  errorOf: (control: string) => string | undefined;
  replicasHint?: string;
}

function describeSource(valueFrom: object): string {
  const [kind, ref] = Object.entries(valueFrom)[0] ?? ["", {}];
  const r = ref as { name?: string; key?: string; fieldPath?: string };
  return `from ${kind}${r.name ? ` ${r.name}` : ""}${r.key ? `/${r.key}` : ""}${r.fieldPath ? ` ${r.fieldPath}` : ""}`;
}

export function EnvEditor({
  id,
  env,
  onChange,
  error,
}: {
  id: string;
  env: EnvVar[];
  onChange: (env: EnvVar[] | undefined) => void;
  error?: string;
}) {
  const update = (i: number, patch: Partial<EnvVar>) => onChange(env.map((e, j) => (j === i ? { ...e, ...patch } : e)));
  return (
    <Section
      id={id}
      title="Environment variables"
      error={error}
      actions={
        <button type="button" onClick={() => onChange([...env, { name: "", value: "" }])}>
          Add variable
        </button>
      }
    >
      {env.length === 0 && <p className="muted">None.</p>}
      {env.map((e, i) => (
        <div className="rs-row-edit" key={i}>
          <input
            aria-label={`Name of variable ${i + 1}`}
            className="mono"
            value={e.name}
            placeholder="NAME"
            onChange={(ev) => update(i, { name: ev.target.value })}
          />
          {e.valueFrom ? (
            <span className="muted rs-grow">{describeSource(e.valueFrom)} (edit in YAML)</span>
          ) : (
            <input
              aria-label={`Value of variable ${i + 1}`}
              className="rs-grow"
              value={e.value ?? ""}
              placeholder="value"
              onChange={(ev) => update(i, { value: ev.target.value })}
            />
          )}
          <button
            type="button"
            aria-label={`Remove variable ${e.name || i + 1}`}
            onClick={() => {
              const next = env.filter((_, j) => j !== i);
              onChange(next.length ? next : undefined);
            }}
          >
            ✕
          </button>
        </div>
      ))}
    </Section>
  );
}

const RESOURCE_FIELDS: [("requests" | "limits"), "cpu" | "memory", string, string][] = [
  ["requests", "cpu", "CPU request", "100m"],
  ["requests", "memory", "Memory request", "256Mi"],
  ["limits", "cpu", "CPU limit", "1"],
  ["limits", "memory", "Memory limit", "512Mi"],
];

export default function DeploymentFields({ idPrefix, deployment, set, errorOf, replicasHint }: Props) {
  const d = deployment ?? {};
  return (
    <Section id={`${idPrefix}-deployment`} title="Deployment">
      <NumberField
        id={`${idPrefix}-replicas`}
        label="Replicas"
        min={0}
        value={d.replicas}
        placeholder="1"
        onChange={(v) => set(["replicas"], v)}
        error={errorOf("replicas")}
        hint={replicasHint}
      />
      <EnvEditor
        id={`${idPrefix}-env`}
        env={d.env ?? []}
        onChange={(env) => set(["env"], env)}
        error={errorOf("env")}
      />
      <Section id={`${idPrefix}-resources`} title="Resources" error={errorOf("resources")}>
        <div className="rs-grid4">
          {RESOURCE_FIELDS.map(([group, key, label, placeholder]) => (
            <TextField
              key={`${group}-${key}`}
              id={`${idPrefix}-${group}-${key}`}
              label={label}
              value={d.resources?.[group]?.[key]}
              placeholder={placeholder}
              onChange={(v) => set(["resources", group, key], v.trim() === "" ? undefined : v)}
            />
          ))}
        </div>
      </Section>
    </Section>
  );
}
