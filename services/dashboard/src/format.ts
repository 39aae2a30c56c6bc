// How times, sizes and quantities read on the page.

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

// A Kubernetes memory quantity in bytes (1Gi, 512Mi, 1G, 1e9); NaN when it is not one.
export function bytes(quantity: string | undefined): number {
  if (!quantity) return NaN;
  const m = /^([0-9.]+)([KMGT]i|[kMGT])?$/.exec(quantity.trim());
  if (!m) return NaN;
  const unit = m[2] ? (BINARY[m[2]] ?? DECIMAL[m[2]]) : 1;
  return parseFloat(m[1]) * unit;
}

// A Kubernetes CPU quantity in cores (500m, 1, 0.25).
export function cores(quantity: string | undefined): number {
  if (!quantity) return NaN;
  const q = quantity.trim();
  return q.endsWith('m') ? parseFloat(q.slice(0, -1)) / 1000 : parseFloat(q);
}

export function mebibytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${Math.round(n / 2 ** 20)} MiB`;
}

export function coreText(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n < 1 ? `${Math.round(n * 1000)}m` : `${n.toFixed(2)} cores`;
}
