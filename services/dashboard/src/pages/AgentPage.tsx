// One agent: its status and the operation in progress with its engine events, CPU and memory over the last
// hour against its request and limit, the live log tail, its alerts, and the owner's actions.
//
// Everything is read once through the REST API and then followed on the agent's stream
// (GET /api/agents/<name>/events). The stream opens first; what the reads return is merged with what the
// stream already delivered by each item's own key (a log line's seq, an operation event's (operation, seq)),
// so the overlap shows once and nothing between the two is missed.

import { useEffect, useState } from 'preact/hooks';
import {
  type Agent, type AgentChange, type AgentChangeEvent, type AgentStatus, type AlertEvent, type AlertItem, ApiError,
  type LogLine, type MetricSample, type Operation, type OperationEvent, type OperationEventEvent,
  type OperationStateEvent, type StatusEvent, agentPath, api, pages, position,
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
const HOUR = 3600_000;

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

// Samples by (metric, time): what the stream and the history both hold shows once; older than an hour goes.
function mergeSamples(a: MetricSample[], b: MetricSample[]): MetricSample[] {
  const cut = Date.now() - HOUR;
  const byKey = new Map<string, MetricSample>();
  for (const m of [...a, ...b]) if (Date.parse(m.at) >= cut) byKey.set(`${m.name}@${m.at}`, m);
  return [...byKey.values()];
}

function series(samples: MetricSample[], name: string, scale = 1): Point[] {
  return samples.filter((m) => m.name === name).map((m) => ({ t: Date.parse(m.at), v: m.value * scale }));
}

function alertOf(e: AlertEvent): AlertItem {
  return { id: e.id, severity: e.severity, status: e.status, title: e.title, message: e.message,
    startedAt: e.starts_at, resolvedAt: e.resolved_at };
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
  const [samples, setSamples] = useState<MetricSample[]>([]);
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
      // the status still says what the operation is
    }
  }

  function refresh() {
    void api.get<Agent>(path).then(setAgent).catch(() => undefined);
    void api.get<AgentStatus>(`${path}/status`).then(setStatus).catch(() => undefined);
  }

  function onEvent(type: string, data: unknown, id: string) {
    switch (type) {
      case 'agent': {
        const e = data as AgentChangeEvent;
        if (e.op === 'delete') setDeleted(true);
        else refresh(); // the list's fields are in the event; the page shows more: read it again
        break;
      }
      case 'status': {
        const h = data as StatusEvent;
        setStatus((s) => s && ({ ...s, observed: {
          health: h.health, replicasDesired: h.replicas_desired, replicasReady: h.replicas_ready,
          restarts: h.restarts, reason: h.reason, changedAt: h.at,
        } }));
        break;
      }
      case 'operation': {
        const o = data as OperationStateEvent;
        setOp((current) => {
          if (current && current.id === o.id) {
            return { ...current, state: o.state, startedAt: o.started_at, finishedAt: o.finished_at,
              errorLines: o.error_lines ?? current.errorLines };
          }
          if (!current || o.created_at >= current.createdAt) void loadOperation(o.id);
          return current;
        });
        if (!['queued', 'running'].includes(o.state)) {
          void loadOperation(o.id); // its summary and findings
          refresh();
        }
        break;
      }
      case 'operation-event': {
        const e = data as OperationEventEvent;
        const event: OperationEvent = { seq: e.number, at: e.at, kind: e.kind, message: e.message };
        setOp((current) => {
          if (current && current.id === e.operation_id) return { ...current, events: mergeEvents(current.events, [event]) };
          setPendingEvents((p) => ({ ...p, [e.operation_id]: [...(p[e.operation_id] ?? []), event] }));
          return current;
        });
        break;
      }
      case 'log': {
        const l = data as { at: string; level: string; message: string };
        setLines((current) => mergeLines(current, [{ seq: position(id, 'logs'), at: l.at, level: l.level, message: l.message }]));
        break;
      }
      case 'metric':
        setSamples((current) => mergeSamples(current, [data as MetricSample]));
        break;
      case 'alert': {
        const a = alertOf(data as AlertEvent);
        setAlerts((list) => [a, ...list.filter((x) => x.id !== a.id)]);
        break;
      }
    }
  }

  useEffect(() => {
    // The history is read once the stream has answered (the server subscribed it first), then merged with
    // what the stream delivers by each item's own key: nothing falls between, nothing shows twice.
    let requested = false;
    const load = () => {
      if (requested) return;
      requested = true;
      void loadAgent();
      pages<LogLine>(`${path}/logs?since=24h`, 'logs', 100)
        .then((found) => setLines((current) => mergeLines(found, current))).catch(() => undefined);
      pages<MetricSample>(`${path}/metrics?since=1h&metric=cpu_cores&metric=memory_limit_ratio`, 'metrics', 2000)
        .then((found) => setSamples((current) => mergeSamples(found, current))).catch(() => undefined);
      pages<AlertItem>(`${path}/alerts`, 'alerts', 100).then((found) => setAlerts((current) => {
        const ids = new Set(current.map((x) => x.id));
        return [...current, ...found.filter((x) => !ids.has(x.id))];
      })).catch(() => undefined);
    };
    const feed = live({
      path: `${path}/events`,
      onState(state) {
        setStream(state);
        if (state === 'open') load();
      },
      onEvent,
    });
    const fallback = setTimeout(load, 3000); // the stream does not answer: show the page anyway (not live)
    const timer = setInterval(() => setNow(Date.now()), 15000);
    return () => {
      feed.close();
      clearTimeout(fallback);
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
          <Chart title="CPU" points={series(samples, 'cpu_cores')} request={cores(req.cpu)} limit={cores(lim.cpu)}
            format={coreText} now={now} />
          <Chart title="Memory" points={series(samples, 'memory_limit_ratio', memoryLimit)} request={bytes(req.memory)}
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
                  <td data-label="Started">{a.startedAt ? clock(a.startedAt) : '—'}</td>
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

