// The YAML side of a form: the same manifest, editable as text. Form edits re-render the
// text; text edits that parse are handed back to the form; a parse error is shown (with
// line and column) and the form keeps its last good state until the text parses again.
import { useEffect, useRef, useState } from "react";
import YAML from "yaml";

interface Props {
  value: object;
  onChange: (value: object) => void;
  onErrorChange: (error: string | null) => void;
  /** Keys checked on a parsed document (e.g. kind must stay the same). */
  check?: (value: Record<string, unknown>) => string | null;
}

export function toYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0 });
}

export default function YamlPane({ value, onChange, onErrorChange, check }: Props) {
  const [text, setText] = useState(() => toYaml(value));
  const [error, setError] = useState<string | null>(null);
  const emitted = useRef<object | null>(null);

  useEffect(() => {
    // A change that came from this pane is already in the text (keep the user's layout).
    if (value === emitted.current) return;
    setText(toYaml(value));
    setError(null);
    onErrorChange(null);
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps

  const edit = (next: string) => {
    setText(next);
    let problem: string | null = null;
    let parsed: unknown;
    try {
      parsed = YAML.parse(next, { prettyErrors: true });
    } catch (err) {
      problem = `YAML error: ${(err as Error).message}`;
    }
    if (!problem && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)))
      problem = "The manifest must be a YAML mapping (apiVersion, kind, metadata, spec).";
    if (!problem && check) problem = check(parsed as Record<string, unknown>);
    setError(problem);
    onErrorChange(problem);
    if (!problem) {
      emitted.current = parsed as object;
      onChange(parsed as object);
    }
  };

  return (
    <div className="rs-yaml">
      <div className="rs-yaml-head">
        <label htmlFor="manifest-yaml">YAML manifest</label>
        <span className="muted">what <code>kubectl apply -f</code> takes; edits here update the form</span>
      </div>
      <textarea
        id="manifest-yaml"
        className="mono"
        value={text}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "manifest-yaml-error" : undefined}
        onChange={(e) => edit(e.target.value)}
      />
      {error && (
        <pre className="field-error rs-yaml-error" id="manifest-yaml-error" role="alert">
          {error}
        </pre>
      )}
    </div>
  );
}
