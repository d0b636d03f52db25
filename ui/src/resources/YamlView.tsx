// A read-only YAML view of a resource (detail pages). Loads the YAML library on demand so
// the list and detail pages stay small; the forms load it with their chunk.
import { useEffect, useState } from "react";
import { forEditing } from "./paths";

export default function YamlView({ resource }: { resource: object }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  useEffect(() => {
    if (!open) return;
    let live = true;
    import("yaml").then((YAML) => live && setText(YAML.stringify(forEditing(resource), { lineWidth: 0 })));
    return () => {
      live = false;
    };
  }, [open, resource]);
  return (
    <details className="panel" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>YAML</summary>
      <pre className="mono rs-yaml-view">{text}</pre>
    </details>
  );
}
