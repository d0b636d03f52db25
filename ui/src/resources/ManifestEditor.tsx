// The layout of every create/edit form: the form on the left, the YAML of the same
// manifest on the right (stacked on narrow screens), the API's errors, Save and Cancel.
import { useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import type { PlacedErrors } from "./errors";
import YamlPane from "./YamlPane";

interface Props {
  title: string;
  manifest: object;
  onChange: (manifest: object) => void;
  errors: PlacedErrors;
  saving: boolean;
  onSave: () => void;
  cancelTo: string;
  saveLabel: string;
  check?: (value: Record<string, unknown>) => string | null;
  children: ReactNode;
}

export default function ManifestEditor(props: Props) {
  const { title, manifest, onChange, errors, saving, onSave, cancelTo, saveLabel, check, children } = props;
  const [yamlError, setYamlError] = useState<string | null>(null);
  const banner = errors.general || errors.unplaced.length > 0;
  return (
    <form
      className="rs-editor"
      aria-label={title}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!yamlError && !saving) onSave();
      }}
    >
      <div className="rs-editor-head">
        <h1>{title}</h1>
        <div className="row">
          <Link className="button" to={cancelTo}>
            Cancel
          </Link>
          <button type="submit" className="primary" disabled={saving || !!yamlError}>
            {saving ? "Saving…" : saveLabel}
          </button>
        </div>
      </div>
      {yamlError && <p className="muted">Fix the YAML error to save (the form shows the last valid YAML).</p>}
      {banner && (
        <div className="error-banner" role="alert" aria-label="Errors from the API">
          {errors.general && <div>{errors.general}</div>}
          {errors.unplaced.length > 0 && (
            <>
              <div>The API refused this manifest:</div>
              <ul>
                {errors.unplaced.map((e, i) => (
                  <li key={i}>
                    {e.field && <code>{e.field}</code>}
                    {e.field && ": "}
                    {e.message}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
      <div className="rs-split">
        <div className="rs-form stack">{children}</div>
        <YamlPane value={manifest} onChange={onChange} onErrorChange={setYamlError} check={check} />
      </div>
    </form>
  );
}
