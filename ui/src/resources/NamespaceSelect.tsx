// The namespace filter of the list pages (GET /api/namespaces), kept in the URL (?namespace=)
// so a filtered list can be linked and survives a reload.
import { useSearchParams } from "react-router-dom";
import { useApi } from "./useApi";

export function useNamespaceParam(): [string | undefined, (ns: string | undefined) => void] {
  const [params, setParams] = useSearchParams();
  const ns = params.get("namespace") ?? undefined;
  const set = (next: string | undefined) => {
    const copy = new URLSearchParams(params);
    if (next) copy.set("namespace", next);
    else copy.delete("namespace");
    setParams(copy, { replace: true });
  };
  return [ns, set];
}

export function useNamespaces(): string[] {
  const { data } = useApi<{ name: string }[]>("/api/namespaces");
  return (data ?? [{ name: "default" }]).map((n) => n.name);
}

export default function NamespaceSelect({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (ns: string | undefined) => void;
}) {
  const namespaces = useNamespaces();
  return (
    <div className="rs-ns">
      <label htmlFor="namespace-filter">Namespace</label>
      <select id="namespace-filter" value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All namespaces</option>
        {namespaces.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
        {value && !namespaces.includes(value) && <option value={value}>{value}</option>}
      </select>
    </div>
  );
}
