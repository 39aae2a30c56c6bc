// The change in progress (or the last one): its state, and what the engine did for this agent as the deploy
// worker reported it (operation_events, filtered to this agent by the deployer), then its outcome.

import type { Operation } from '../api';
import { Badge } from './Badge';
import { clock } from '../format';

const ACTIVE = new Set(['queued', 'running']);

export function OperationPanel({ op, id = 'op' }: { op: Operation | null; id?: string }) {
  if (!op) {
    return (
      <section aria-labelledby={`${id}-heading`} class="card">
        <h2 id={`${id}-heading`}>Operations</h2>
        <p class="muted">No change has been made through the control plane yet.</p>
      </section>
    );
  }
  const active = ACTIVE.has(op.state);
  const changes = op.summary?.changes ?? {};
  return (
    <section aria-labelledby={`${id}-heading`} class="card" data-operation={op.id} data-state={op.state}>
      <h2 id={`${id}-heading`}>{active ? 'Operation in progress' : 'Last operation'}</h2>
      <p>
        <span class="opkind">{op.dryRun ? `${op.kind} (dry run)` : op.kind}</span> <Badge value={op.state} label="operation" />{' '}
        <span class="muted">queued {clock(op.createdAt)}{op.finishedAt ? `, finished ${clock(op.finishedAt)}` : ''}</span>
      </p>
      {Object.keys(changes).length > 0 && (
        <p>Changes: {Object.entries(changes).map(([k, v]) => `${v} to ${k}`).join(', ')}</p>
      )}
      {op.errorLines.length > 0 && (
        <pre class="error-lines" aria-label="Errors">{op.errorLines.join('\n')}</pre>
      )}
      {op.violations.length > 0 && (
        <>
          <h3>Policy findings</h3>
          <ul class="violations">
            {op.violations.map((v, i) => <li key={i}><code>{v.policy}</code> {v.level ? `(${v.level}) ` : ''}{v.message}</li>)}
          </ul>
        </>
      )}
      <h3>Engine events</h3>
      {op.events.length === 0 ? (
        <p class="muted">{active ? 'Waiting for a deploy worker…' : 'No events.'}</p>
      ) : (
        <ol class="events" aria-label="Engine events" tabIndex={0}>
          {op.events.map((e) => (
            <li key={e.seq} data-seq={e.seq}><time dateTime={e.at}>{clock(e.at)}</time> {e.message}</li>
          ))}
        </ol>
      )}
    </section>
  );
}
