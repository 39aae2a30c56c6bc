import type { LiveState } from '../live';

const TEXT: Record<LiveState, string> = {
  connecting: 'connecting…',
  open: 'live',
  retrying: 'reconnecting…',
  closed: 'not live',
};

// Whether the page is following the control plane's stream right now.
export function LiveIndicator({ state }: { state: LiveState }) {
  return (
    <span class={`live ${state}`} data-live={state} role="status">
      <span aria-hidden="true">{state === 'open' ? '●' : '○'}</span> {TEXT[state]}
    </span>
  );
}
