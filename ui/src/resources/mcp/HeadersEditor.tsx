// headersFrom of a RemoteMCPServer: literal values here; values from a Secret or ConfigMap
// are shown and kept (edit them in the YAML).
import { Section } from "../fields";
import type { JsonObject } from "../types";

interface Header {
  name: string;
  value?: string;
  valueFrom?: { type?: string; name?: string; key?: string };
}

export default function HeadersEditor({
  headers,
  onChange,
  error,
}: {
  headers: Header[];
  onChange: (headers: JsonObject[] | undefined) => void;
  error?: string;
}) {
  const emit = (next: Header[]) => onChange(next.length ? (next as unknown as JsonObject[]) : undefined);
  return (
    <Section
      id="server-headers"
      title="Headers"
      error={error}
      actions={
        <button type="button" onClick={() => emit([...headers, { name: "", value: "" }])}>
          Add header
        </button>
      }
    >
      {headers.length === 0 && <p className="muted">None. Headers from a Secret: add valueFrom in the YAML.</p>}
      {headers.map((h, i) => (
        <div className="rs-row-edit" key={i}>
          <input
            aria-label={`Name of header ${i + 1}`}
            value={h.name}
            placeholder="Authorization"
            onChange={(e) => emit(headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
          />
          {h.valueFrom ? (
            <span className="muted rs-grow">
              from {h.valueFrom.type} {h.valueFrom.name}/{h.valueFrom.key}
            </span>
          ) : (
            <input
              aria-label={`Value of header ${i + 1}`}
              className="rs-grow"
              value={h.value ?? ""}
              onChange={(e) => emit(headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
            />
          )}
          <button type="button" aria-label={`Remove header ${h.name || i + 1}`} onClick={() => emit(headers.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
    </Section>
  );
}
