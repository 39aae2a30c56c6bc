// A line chart of one metric over the last hour, drawn in SVG (no chart library: two series and two
// reference lines do not need one), with the agent's request and limit as dashed lines. Its text alternative
// says the latest value against both.

export interface Point {
  t: number; // ms since the epoch
  v: number;
}

const W = 600;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

export function Chart({ title, points, request, limit, format, windowMs = 3600_000, now = Date.now() }: {
  title: string;
  points: Point[];
  request: number;
  limit: number;
  format: (v: number) => string;
  windowMs?: number;
  now?: number;
}) {
  const from = now - windowMs;
  const shown = points.filter((p) => p.t >= from && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const top = Math.max(...[request, limit, ...shown.map((p) => p.v)].filter(Number.isFinite), 1e-9) * 1.1;
  const x = (t: number) => PAD.left + ((t - from) / windowMs) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const path = shown.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join('');
  const latest = shown.length ? shown[shown.length - 1].v : NaN;
  const summary = `${title} over the last hour: ${shown.length ? `latest ${format(latest)}` : 'no samples yet'}; `
    + `request ${format(request)}, limit ${format(limit)}`;
  const ticks = [0, 0.5, 1].map((f) => f * top);
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong>{' '}
        <span class="latest">{shown.length ? format(latest) : 'no samples yet'}</span>
        <span class="legend">
          <span class="key used" aria-hidden="true" /> used <span class="key request" aria-hidden="true" /> request{' '}
          <span class="key limit" aria-hidden="true" /> limit
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-samples={shown.length}>
        {ticks.map((v) => (
          <g key={v}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">{format(v)}</text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={H - 6}>−60 min</text>
        <text class="axis" x={W - PAD.right} y={H - 6} text-anchor="end">now</text>
        {Number.isFinite(request) && <line class="request" x1={PAD.left} x2={W - PAD.right} y1={y(request)} y2={y(request)} />}
        {Number.isFinite(limit) && <line class="limit" x1={PAD.left} x2={W - PAD.right} y1={y(limit)} y2={y(limit)} />}
        {path && <path class="used" d={path} />}
        {shown.length === 1 && <circle class="used-dot" cx={x(shown[0].t)} cy={y(shown[0].v)} r="3" />}
      </svg>
    </figure>
  );
}
