// The signed-in user's agents, live: read once through GET /api/agents (every page), then kept current by
// the fleet stream GET /api/events. The stream is opened BEFORE the list is read and its events are held until
// the list arrives, then applied over it: a change made between the two reads is never missed.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type AgentSummary, ApiError, allAgents } from '../api';
import { Badge } from '../components/Badge';
import { LiveIndicator } from '../components/LiveIndicator';
import { ago } from '../format';
import { type LiveState, live } from '../live';
import { follow } from '../router';

type Agents = Map<string, AgentSummary>;

interface HealthEvent {
  name: string;
  health: string;
  replicasDesired?: number;
  replicasReady?: number;
}

function apply(agents: Agents, type: string, data: unknown): Agents {
  const next = new Map(agents);
  if (type === 'agent') {
    const a = data as AgentSummary;
    const old = next.get(a.name);
    if (!old || old.revision <= a.revision || old.updatedAt <= a.updatedAt) next.set(a.name, { ...old, ...a });
  } else if (type === 'agent-deleted') {
    next.delete((data as { name: string }).name);
  } else if (type === 'health') {
    const h = data as HealthEvent;
    const old = next.get(h.name);
    if (old) next.set(h.name, { ...old, health: h.health, replicasReady: h.replicasReady ?? old.replicasReady });
  } else {
    return agents;
  }
  return next;
}

const STATUSES = ['pending', 'deploying', 'running', 'failed', 'paused', 'deleting'];

export function AgentsList() {
  const [agents, setAgents] = useState<Agents | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<LiveState>('connecting');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const [, tick] = useState(0);
  const held = useRef<[string, unknown][] | null>([]);

  useEffect(() => {
    const feed = live({
      path: '/api/events',
      onState: setStream,
      onEvent(type, data) {
        if (held.current) held.current.push([type, data]);
        else setAgents((current) => (current ? apply(current, type, data) : current));
      },
    });
    allAgents()
      .then((list) => {
        let map: Agents = new Map(list.map((a) => [a.name, a]));
        for (const [type, data] of held.current ?? []) map = apply(map, type, data);
        held.current = null;
        setAgents(map);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
    const timer = setInterval(() => tick((n) => n + 1), 15000); // "2 min ago" keeps moving
    return () => {
      feed.close();
      clearInterval(timer);
    };
  }, []);

  useEffect(() => {
    if (agents) {
      performance.mark('agents-list-interactive');
      document.body.dataset.agents = String(agents.size);
    }
  }, [agents !== null]);

  const rows = useMemo(() => {
    if (!agents) return [];
    const q = query.trim().toLowerCase();
    return [...agents.values()]
      .filter((a) => (!q || a.name.includes(q) || (a.tenant ?? '').includes(q)) && (!status || a.status === status))
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [agents, query, status]);

  return (
    <section aria-labelledby="agents-heading">
      <div class="pagehead">
        <h1 id="agents-heading">Your agents</h1>
        <LiveIndicator state={stream} />
        <a class="button" href="/agents/new" onClick={follow}>New agent</a>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="filters" role="search">
        <label for="agent-filter">Filter by name or tenant</label>
        <input id="agent-filter" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <label for="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">any</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
      {!agents && !error && <p role="status">Loading your agents…</p>}
      {agents && agents.size === 0 && (
        <p class="empty">You have no agents yet. <a href="/agents/new" onClick={follow}>Create one</a>.</p>
      )}
      {agents && agents.size > 0 && (
        <>
          <p class="count" role="status" aria-live="polite">
            {rows.length === agents.size ? `${agents.size} agent(s)` : `${rows.length} of ${agents.size} agent(s)`}
          </p>
          <table class="agents">
            <caption class="sr-only">Your agents, with their status, replicas, tenant, image and last change</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Health</th>
                <th scope="col">Replicas</th>
                <th scope="col">Tenant</th>
                <th scope="col">Image</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => <Row key={a.name} agent={a} />)}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Row({ agent: a }: { agent: AgentSummary }) {
  const ready = a.replicasReady ?? null;
  return (
    <tr data-agent={a.name}>
      <th scope="row" data-label="Name">
        <a href={`/agents/${encodeURIComponent(a.name)}`} onClick={follow}>{a.name}</a>
        {a.source === 'git' && <span class="tag" title="defined by an agent file in git">git</span>}
      </th>
      <td data-label="Status"><Badge value={a.status} label="status" /></td>
      <td data-label="Health"><Badge value={a.paused ? 'paused' : a.health ?? 'unknown'} label="health" /></td>
      <td data-label="Replicas" class="num">{ready === null ? '–' : ready}/{a.paused ? 0 : a.replicas}</td>
      <td data-label="Tenant">{a.tenant ?? '—'}</td>
      <td data-label="Image" class="image" title={a.image}>{shortImage(a.image)}</td>
      <td data-label="Last change"><time dateTime={a.updatedAt} title={a.updatedAt}>{ago(a.updatedAt)}</time></td>
    </tr>
  );
}

function shortImage(image: string | undefined): string {
  if (!image) return '—';
  const name = image.split('/').pop() ?? image;
  const [repo, tag] = name.split(':');
  return tag ? `${repo}:${tag.slice(0, 12)}` : repo;
}
