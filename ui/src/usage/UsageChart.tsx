// Stacked bars of tokens per time bucket, one colour per series (agent or namespace).
// Hand-written SVG: no chart library. The table under the chart (UsagePage) carries the
// same numbers for screen readers; each bar also has a <title>.

export interface Series {
  key: string;
  values: number[]; // one per bucket
}

const COLORS = ["#1f6feb", "#1a7f37", "#bf3989", "#9a6700", "#8250df", "#cf222e", "#0a7ea4", "#6e7781"];

export function colorOf(index: number): string {
  return COLORS[index % COLORS.length];
}

function niceMax(value: number): number {
  if (value <= 0) return 10;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * power >= value)!;
  return step * power;
}

function short(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1)}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(n >= 10_000 ? 0 : 1)}k`;
  return String(n);
}

export function UsageChart({ buckets, labels, series, title }: { buckets: Date[]; labels: string[]; series: Series[]; title: string }) {
  const width = 1000;
  const height = 300;
  const m = { left: 52, right: 12, top: 12, bottom: 36 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const totals = buckets.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotW / Math.max(1, buckets.length);
  const bar = Math.max(2, Math.min(40, slot * 0.7));
  const every = Math.ceil(buckets.length / 8);
  const y = (v: number) => m.top + plotH - (v / max) * plotH;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
      {[0, 0.25, 0.5, 0.75, 1].map((f) => (
        <g key={f}>
          <line className="grid" x1={m.left} x2={width - m.right} y1={y(max * f)} y2={y(max * f)} />
          <text className="axis" x={m.left - 6} y={y(max * f) + 4} textAnchor="end">
            {short(max * f)}
          </text>
        </g>
      ))}
      {buckets.map((_, i) => {
        let base = 0;
        const x = m.left + i * slot + (slot - bar) / 2;
        return (
          <g key={i}>
            {series.map((s, k) => {
              const v = s.values[i];
              if (!v) return null;
              const top = y(base + v);
              const h = y(base) - top;
              base += v;
              return (
                <rect key={s.key} x={x} y={top} width={bar} height={Math.max(1, h)} fill={colorOf(k)}>
                  <title>{`${s.key} · ${labels[i]} · ${v.toLocaleString()} tokens`}</title>
                </rect>
              );
            })}
            {i % every === 0 && (
              <text className="axis" x={m.left + i * slot + slot / 2} y={height - m.bottom + 16} textAnchor="middle">
                {labels[i]}
              </text>
            )}
          </g>
        );
      })}
      <line stroke="#9aa4b2" x1={m.left} x2={width - m.right} y1={y(0)} y2={y(0)} />
    </svg>
  );
}
