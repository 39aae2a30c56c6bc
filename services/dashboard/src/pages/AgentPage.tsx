// One agent: its status and the operation in progress with its engine events, CPU and memory over the last
// hour against its request and limit, the live log tail, its alerts, and the owner's actions.
//
// Everything is read once through the REST API and then followed on the agent's stream
// (GET /api/agents/<name>/events). The stream opens first; what the reads return is merged with what the
// stream already delivered by each item's own key (a log line's seq, an operation event's (operation, seq)),
// so the overlap shows once and nothing between the two is missed.

import { useEffect, useState } from 'preact/hooks';
import {
  type Agent, type AgentChange, type AgentStatus, type AlertItem, ApiError, type LogLine, type Metrics, type Operation,
  type OperationEvent, agentPath, api,
} from '../api';
import { Actions } from '../components/Actions';
import { Badge } from '../components/Badge';
import { Chart, type Point } from '../components/Chart';
import { LiveIndicator } from '../components/LiveIndicator';
import { LogTail } from '../components/LogTail';
import { OperationPanel } from '../components/OperationPanel';
import { ago, bytes, clock, coreText, cores, mebibytes } from '../format';
import { type LiveState, live } from '../live';
import { follow } from '../router';

const MAX_LINES = 1000;

function mergeLines(a: LogLine[], b: LogLine[]): LogLine[] {
  const bySeq = new Map<number, LogLine>();
  for (const l of a) bySeq.set(l.seq, l);
  for (const l of b) bySeq.set(l.seq, l);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq).slice(-MAX_LINES);
}

function mergeEvents(a: OperationEvent[], b: OperationEvent[]): OperationEvent[] {
  const bySeq = new Map<number, OperationEvent>();
  for (const e of [...a, ...b]) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

function points(metrics: Metrics | null, name: string, scale = 1): Point[] {
  return (metrics?.series[name] ?? []).map((p) => ({ t: Date.parse(p.at), v: p.value * scale }));
}

export function AgentPage({ name }: { name: string }) {
  const [agent, setAgent] = useState<Agent | null>(null);
  const [status, setStatus] = useState<AgentStatus | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [op, setOp] = useState<Operation | null>(null);
  const [pendingEvents, setPendingEvents] = useState<Record<string, OperationEvent[]>>({});
  const [lines, setLines] = useState<LogLine[]>([]);
  const [level, setLevel] = useState('info');
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  const [alerts, setAlerts] = useState<AlertItem[]>([]);
  const [stream, setStream] = useState<LiveState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const path = agentPath(name);

  async function loadAgent() {
    try {
      const [a, s] = await Promise.all([api.get<Agent>(path), api.get<AgentStatus>(`${path}/status`)]);
      setAgent(a);
      setStatus(s);
      if (s.lastOperation) await loadOperation(s.lastOperation.id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(e.message);
      else setError(e instanceof ApiError ? e.message : String(e));
    }
  }

  async function loadOperation(id: string) {
    try {
      const found = await api.get<Operation>(`/api/operations/${id}`);
      setOp((current) => {
        if (current && current.id === id) return { ...found, events: mergeEvents(current.events, found.events) };
        if (current && current.createdAt > found.createdAt) return current;
        return found;
      });
    } catch {
      // the status line still says what the operation is
    }
  }

  useEffect(() => {
    const feed = live({
      path: `${path}/events`,
      onState: setStream,
      onEvent(type, data) {
        switch (type) {
          case 'agent':
            setAgent((a) => (a ? { ...a, ...(data as Partial<Agent>) } : a));
            void api.get<AgentStatus>(`${path}/status`).then(setStatus).catch(() => undefined);
            if ((data as Agent).revision !== undefined) void api.get<Agent>(path).then(setAgent).catch(() => undefined);
            break;
          case 'agent-deleted':
            setDeleted(true);
            break;
          case 'health': {
            const h = data as { health: string; replicasDesired: number; replicasReady: number; restarts: number; reason: string; at: string };
            setStatus((s) => s && ({ ...s, observed: {
              health: h.health, replicasDesired: h.replicasDesired, replicasReady: h.replicasReady, restarts: h.restarts,
              reason: h.reason, changedAt: h.at,
            } }));
            break;
          }
          case 'operation': {
            const o = data as Operation;
            setOp((current) => {
              if (current && current.id === o.id) return { ...current, ...o, events: current.events };
              if (!current || o.createdAt >= current.createdAt) void loadOperation(o.id);
              return current;
            });
            break;
          }
          case 'operation-event': {
            const e = data as OperationEvent & { operationId: string };
            setOp((current) => {
              if (current && current.id === e.operationId) return { ...current, events: mergeEvents(current.events, [e]) };
              setPendingEvents((p) => ({ ...p, [e.operationId]: [...(p[e.operationId] ?? []), e] }));
              return current;
            });
            break;
          }
          case 'log':
            setLines((l) => mergeLines(l, [data as LogLine]));
            break;
          case 'metric': {
            const m = data as { name: string; at: string; value: number };
            setMetrics((cur) => {
              const series = { ...(cur?.series ?? {}) };
              series[m.name] = [...(series[m.name] ?? []), { at: m.at, value: m.value }];
              return { since: cur?.since ?? m.at, series };
            });
            break;
          }
          case 'alert': {
            const a = data as AlertItem;
            setAlerts((list) => [a, ...list.filter((x) => x.id !== a.id)]);
            break;
          }
        }
      },
    });
    void loadAgent();
    api.get<{ lines: LogLine[] }>(`${path}/logs?limit=500`).then((r) => setLines((l) => mergeLines(r.lines, l))).catch(() => undefined);
    api.get<Metrics>(`${path}/metrics?since=1h`).then((m) => setMetrics((cur) => {
      if (!cur) return m;
      const series = { ...m.series };
      for (const [k, v] of Object.entries(cur.series)) series[k] = [...(series[k] ?? []), ...v];
      return { ...m, series };
    })).catch(() => undefined);
    api.get<{ alerts: AlertItem[] }>(`${path}/alerts`).then((r) => setAlerts((a) => {
      const ids = new Set(a.map((x) => x.id));
      return [...a, ...r.alerts.filter((x) => !ids.has(x.id))];
    })).catch(() => undefined);
    const timer = setInterval(() => setNow(Date.now()), 15000);
    return () => {
      feed.close();
      clearInterval(timer);
    };
  }, [name]);

  // Events of an operation this page had not read yet (it was queued after the page loaded).
  useEffect(() => {
    if (op && pendingEvents[op.id]) {
      setOp({ ...op, events: mergeEvents(op.events, pendingEvents[op.id]) });
      setPendingEvents((p) => {
        const { [op.id]: _, ...rest } = p;
        return rest;
      });
    }
  }, [op?.id, pendingEvents]);

  function changed(change: AgentChange) {
    if (change.agent) setAgent(change.agent);
    void loadOperation(change.operation.id);
    void api.get<AgentStatus>(`${path}/status`).then(setStatus).catch(() => undefined);
  }

  if (missing) {
    return (
      <section>
        <h1>Agent not found</h1>
        <p data-testid="not-found">{missing}. <a href="/" onClick={follow}>Your agents</a>.</p>
      </section>
    );
  }
  if (deleted) {
    return (
      <section>
        <h1>{name}</h1>
        <p role="status" data-testid="deleted">{name} was deleted. <a href="/" onClick={follow}>Your agents</a>.</p>
      </section>
    );
  }
  if (!agent) {
    return <section>{error ? <p class="error" role="alert">{error}</p> : <p role="status">Loading {name}…</p>}</section>;
  }

  const observed = status?.observed ?? null;
  const req = agent.resources.requests ?? {};
  const lim = agent.resources.limits ?? {};
  const memoryLimit = bytes(lim.memory);
  return (
    <article aria-labelledby="agent-heading" class="agent">
      <div class="pagehead">
        <h1 id="agent-heading">{agent.name}</h1>
        <LiveIndicator state={stream} />
      </div>
      {agent.description && <p class="description">{agent.description}</p>}
      <dl class="facts">
        <div><dt>Status</dt><dd data-testid="status"><Badge value={agent.status} label="status" /></dd></div>
        <div><dt>Health</dt><dd data-testid="health"><Badge value={agent.paused ? 'paused' : observed?.health ?? 'unknown'} label="health" />
          {observed?.reason ? <span class="muted"> {observed.reason}</span> : null}</dd></div>
        <div><dt>Replicas</dt><dd data-testid="replicas">
          {observed?.replicasReady ?? '–'} ready of {agent.paused ? 0 : agent.replicas}
          {agent.scaling.maxReplicas !== agent.scaling.minReplicas ? ` (autoscaled ${agent.scaling.minReplicas}–${agent.scaling.maxReplicas})` : ''}
          {observed?.restarts ? `, ${observed.restarts} restart(s)` : ''}</dd></div>
        <div><dt>Tenant</dt><dd>{agent.tenant ?? '—'}</dd></div>
        <div><dt>Namespace</dt><dd>{agent.namespace}</dd></div>
        <div><dt>Platforms</dt><dd>{agent.platforms.join(', ') || '—'}</dd></div>
        <div><dt>Model</dt><dd>{agent.model ? `${agent.model.provider ?? ''} ${agent.model.name ?? ''}`.trim() : '—'}</dd></div>
        <div><dt>Resources</dt><dd>CPU {req.cpu ?? '—'} / {lim.cpu ?? '—'}, memory {req.memory ?? '—'} / {lim.memory ?? '—'} (request / limit)</dd></div>
        <div><dt>Image</dt><dd class="image">{agent.image || '—'}</dd></div>
        <div><dt>Source</dt><dd>{agent.source === 'git' ? `git: ${agent.file ?? ''}` : `control plane, revision ${agent.revision}`}</dd></div>
        <div><dt>Last change</dt><dd><time dateTime={agent.updatedAt}>{ago(agent.updatedAt, now)}</time></dd></div>
        {agent.environment.length > 0 && (
          <div><dt>Secret values</dt><dd>{agent.environment.join(', ')} <span class="muted">(stored sealed, never shown)</span></dd></div>
        )}
      </dl>
      {status?.lastError && status.lastError.length > 0 && !op && (
        <pre class="error-lines">{status.lastError.join('\n')}</pre>
      )}
      <div class="columns">
        <OperationPanel op={op} />
        <Actions agent={agent} onChange={changed} />
      </div>
      <section aria-labelledby="usage-heading" class="card">
        <h2 id="usage-heading">Usage, last hour</h2>
        <div class="charts">
          <Chart title="CPU" points={points(metrics, 'cpu_cores')} request={cores(req.cpu)} limit={cores(lim.cpu)}
            format={coreText} now={now} />
          <Chart title="Memory" points={points(metrics, 'memory_limit_ratio', memoryLimit)} request={bytes(req.memory)}
            limit={memoryLimit} format={mebibytes} now={now} />
        </div>
      </section>
      <section aria-labelledby="logs-heading" class="card">
        <h2 id="logs-heading">Logs</h2>
        <LogTail lines={lines} level={level} onLevel={setLevel} />
      </section>
      <section aria-labelledby="alerts-heading" class="card">
        <h2 id="alerts-heading">Alerts</h2>
        {alerts.length === 0 ? <p class="muted">No alerts.</p> : (
          <table class="alerts">
            <thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Resolved</th></tr></thead>
            <tbody>
              {alerts.map((a) => (
                <tr key={a.id}>
                  <td data-label="Alert"><strong>{a.title}</strong><br /><span class="muted">{a.message}</span></td>
                  <td data-label="Severity">{a.severity}</td>
                  <td data-label="State"><span class={`badge ${a.status === 'resolved' ? 'ok' : 'warn'}`}>{a.status}</span></td>
                  <td data-label="Started">{a.startsAt ? clock(a.startsAt) : '—'}</td>
                  <td data-label="Resolved">{a.resolvedAt ? clock(a.resolvedAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </article>
  );
}

