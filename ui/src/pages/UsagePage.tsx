// Token usage over time, by agent or by namespace: GET /api/usage?group_by=&since=&bucket=
// (hour buckets for the last day, UTC days otherwise), as stacked bars and a table.
import { useEffect, useMemo, useState } from "react";
import { get } from "../api/client";
import type { Usage, UsageGroup } from "../api/types";
import { useAuth } from "../auth/auth";
import { errorText } from "../chat/store";
import { colorOf, UsageChart, type Series } from "../usage/UsageChart";
import "../chat/chat.css";

const RANGES = {
  "24h": { label: "Last 24 hours", bucket: "hour", count: 24 },
  "7d": { label: "Last 7 days", bucket: "day", count: 7 },
  "30d": { label: "Last 30 days", bucket: "day", count: 30 },
} as const;
type Range = keyof typeof RANGES;
type GroupBy = "agent" | "namespace";

type Bucketed = Usage & { groups: (UsageGroup & { bucket?: string | null })[] };

function bucketStarts(range: Range, now: Date): Date[] {
  const { bucket, count } = RANGES[range];
  const step = bucket === "hour" ? 3_600_000 : 86_400_000;
  const last = new Date(now);
  if (bucket === "hour") last.setUTCMinutes(0, 0, 0);
  else last.setUTCHours(0, 0, 0, 0);
  return Array.from({ length: count }, (_, i) => new Date(last.getTime() - (count - 1 - i) * step));
}

function label(d: Date, range: Range): string {
  if (RANGES[range].bucket === "hour") return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

function keyOf(g: UsageGroup, by: GroupBy): string {
  return by === "agent" ? `${g.agent_namespace}/${g.agent_name}` : g.agent_namespace ?? "";
}

export default function UsagePage() {
  const [range, setRange] = useState<Range>("24h");
  const [by, setBy] = useState<GroupBy>("agent");
  const [data, setData] = useState<Bucketed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { state } = useAuth();
  const buckets = useMemo(() => bucketStarts(range, new Date()), [range, data]);

  useEffect(() => {
    const since = bucketStarts(range, new Date())[0].toISOString();
    const query = new URLSearchParams({ since, group_by: by, bucket: RANGES[range].bucket });
    setError(null);
    get<Bucketed>(`/api/usage?${query}`)
      .then(setData)
      .catch((err) => setError(errorText(err)));
  }, [range, by]);

  const { series, totals } = useMemo(() => {
    const index = new Map(buckets.map((b, i) => [b.getTime(), i]));
    const byKey = new Map<string, Series>();
    const totals = new Map<string, { turns: number; input: number; output: number; total: number }>();
    for (const g of data?.groups ?? []) {
      const key = keyOf(g, by);
      const at = g.bucket ? index.get(new Date(g.bucket).getTime()) : undefined;
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { key, values: buckets.map(() => 0) }));
      if (at !== undefined) s.values[at] += g.total_tokens;
      const t = totals.get(key) ?? { turns: 0, input: 0, output: 0, total: 0 };
      totals.set(key, { turns: t.turns + g.turns, input: t.input + g.input_tokens, output: t.output + g.output_tokens, total: t.total + g.total_tokens });
    }
    const series = [...byKey.values()].sort((a, b) => totals.get(b.key)!.total - totals.get(a.key)!.total);
    return { series, totals };
  }, [data, buckets, by]);

  const labels = buckets.map((b) => label(b, range));
  const title = `Tokens by ${by} over the ${RANGES[range].label.toLowerCase()}`;
  return (
    <section className="stack">
      <h1>Usage</h1>
      <form className="usage-controls" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor="usage-range">Time range</label>
          <select id="usage-range" value={range} onChange={(e) => setRange(e.target.value as Range)}>
            {Object.entries(RANGES).map(([k, r]) => (
              <option key={k} value={k}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="usage-by">Group by</label>
          <select id="usage-by" value={by} onChange={(e) => setBy(e.target.value as GroupBy)}>
            <option value="agent">Agent</option>
            <option value="namespace">Namespace</option>
          </select>
        </div>
        {state.status === "in" && !state.me.admin && <p className="muted small">Showing your own usage (admins see everyone's).</p>}
      </form>
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      <div className="panel usage-chart">
        <h2 className="small muted">{title}</h2>
        <UsageChart buckets={buckets} labels={labels} series={series} title={title} />
        <ul className="legend" aria-label="Legend">
          {series.map((s, i) => (
            <li key={s.key}>
              <span className="swatch" style={{ background: colorOf(i) }} aria-hidden="true" />
              {s.key}
            </li>
          ))}
        </ul>
        {data && !series.length && <p className="muted">No tokens used in this time range yet. Chat with an agent and come back.</p>}
        {RANGES[range].bucket === "day" && <p className="muted small">Days are UTC days.</p>}
      </div>
      <div className="panel table-wrap">
        <table aria-label={`Totals by ${by}`}>
          <thead>
            <tr>
              <th scope="col">{by === "agent" ? "Agent" : "Namespace"}</th>
              <th scope="col" className="num">Turns</th>
              <th scope="col" className="num">Input tokens</th>
              <th scope="col" className="num">Output tokens</th>
              <th scope="col" className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => {
              const t = totals.get(s.key)!;
              return (
                <tr key={s.key}>
                  <th scope="row">{s.key}</th>
                  <td className="num">{t.turns.toLocaleString()}</td>
                  <td className="num">{t.input.toLocaleString()}</td>
                  <td className="num">{t.output.toLocaleString()}</td>
                  <td className="num">{t.total.toLocaleString()}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
