// Status words with a colour and a shape, never colour alone (a dot for healthy, a ring for in progress, a bar
// for stopped, a triangle for degraded, a cross for failed: drawn by the stylesheet, so a badge is one element),
// at a contrast of at least 4.5:1 on white.

const TONE: Record<string, string> = {
  running: 'ok', succeeded: 'ok',
  pending: 'busy', deploying: 'busy', queued: 'busy', deleting: 'busy',
  paused: 'idle', superseded: 'idle', cancelled: 'idle', unknown: 'idle',
  degraded: 'warn',
  failed: 'bad', 'crash-looping': 'bad',
};

// A plain function as well as a component: the agents list calls it for 2,000 cells, where a component
// instance per cell costs more than the cell.
export function badge(value: string | null | undefined, label?: string) {
  const word = value || 'unknown';
  return (
    <span class={`badge ${TONE[word] ?? 'idle'}`} data-status={word} title={label ? `${label}: ${word}` : word}>
      {word}
    </span>
  );
}

export function Badge({ value, label }: { value: string | null | undefined; label?: string }) {
  return badge(value, label);
}
