// Status badges and the conditions table shared by every resource page.
import type { Condition } from "../api/types";
import { findCondition, type WithStatus } from "./types";

export type Health = "ok" | "bad" | "unknown";

export function Badge({ health, children, title }: { health: Health; children: React.ReactNode; title?: string }) {
  return (
    <span className={`badge ${health}`} title={title}>
      <span aria-hidden="true">{health === "ok" ? "✓ " : health === "bad" ? "✗ " : "… "}</span>
      {children}
    </span>
  );
}

export function healthOf(cond: Condition | undefined): Health {
  if (!cond) return "unknown";
  return cond.status === "True" ? "ok" : cond.status === "False" ? "bad" : "unknown";
}

const NEGATIVE: Record<string, string> = { Ready: "Not ready", Accepted: "Not accepted" };

/** A badge for one condition type: "Ready" / "Not ready" / "Ready?" (unknown or missing). */
export function ConditionBadge({ resource, type }: { resource: WithStatus | undefined; type: string }) {
  const cond = findCondition(resource, type);
  const health = healthOf(cond);
  const label = health === "ok" ? type : health === "bad" ? (NEGATIVE[type] ?? `Not ${type}`) : `${type}: unknown`;
  const title = cond ? [cond.reason, cond.message].filter(Boolean).join(": ") : "no status yet";
  return (
    <Badge health={health} title={title}>
      {label}
    </Badge>
  );
}

/** The message worth showing in a list: the first condition that is not True, else Ready's. */
export function statusMessage(resource: WithStatus): string {
  const conds = resource.status?.conditions ?? [];
  const failing = conds.find((c) => c.status !== "True");
  const shown = failing ?? conds.find((c) => c.type === "Ready") ?? conds[0];
  if (!shown) return "waiting for the controller";
  return [shown.status !== "True" ? shown.reason : undefined, shown.message].filter(Boolean).join(": ");
}

/** True when every condition is True (and there is at least one). */
export function allTrue(resource: WithStatus | undefined, types: string[]): boolean {
  return !!resource && types.every((t) => findCondition(resource, t)?.status === "True");
}

export function ConditionsTable({ resource }: { resource: WithStatus }) {
  const conds = resource.status?.conditions ?? [];
  const stale =
    resource.status?.observedGeneration !== undefined &&
    resource.metadata.generation !== undefined &&
    resource.status.observedGeneration < resource.metadata.generation;
  return (
    <section className="panel" aria-labelledby="conditions-title">
      <h2 id="conditions-title">Conditions</h2>
      {stale && (
        <p className="muted">
          The controller has not seen the latest change yet (generation {resource.metadata.generation}, observed{" "}
          {resource.status?.observedGeneration}).
        </p>
      )}
      {conds.length === 0 ? (
        <p className="muted">No conditions yet: the controller has not reported on this resource.</p>
      ) : (
        <table className="rs-table rs-conditions">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Message</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {conds.map((c) => (
              <tr key={c.type}>
                <td data-label="Type">{c.type}</td>
                <td data-label="Status">
                  <Badge health={healthOf(c)}>{c.status}</Badge>
                </td>
                <td data-label="Reason">{c.reason ?? ""}</td>
                <td data-label="Message" className="rs-message">
                  {c.message ?? ""}
                </td>
                <td data-label="Since">{c.lastTransitionTime ? formatTime(c.lastTransitionTime) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function age(iso: string | undefined): string {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 90) return `${Math.round(s)}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 129600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
