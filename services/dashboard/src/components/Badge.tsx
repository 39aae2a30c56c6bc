// Status words with a colour and a shape, never colour alone (a dot for healthy, a ring for in progress,
// a bar for stopped, a cross for failed), at a contrast of at least 4.5:1 on white.

const TONE: Record<string, string> = {
  running: 'ok', succeeded: 'ok',
  pending: 'busy', deploying: 'busy', queued: 'busy', deleting: 'busy',
  paused: 'idle', superseded: 'idle', cancelled: 'idle', unknown: 'idle',
  degraded: 'warn',
  failed: 'bad', 'crash-looping': 'bad',
};

const ICON: Record<string, string> = { ok: '●', busy: '◌', idle: '▮', warn: '▲', bad: '✕' };

export function Badge({ value, label }: { value: string | null | undefined; label?: string }) {
  const word = value || 'unknown';
  const tone = TONE[word] ?? 'idle';
  return (
    <span class={`badge ${tone}`} data-status={word} title={label ? `${label}: ${word}` : word}>
      <span aria-hidden="true">{ICON[tone]}</span> {word}
    </span>
  );
}
