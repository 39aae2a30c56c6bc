// The signed-in user's agents, live: read once through GET /api/agents (every page), then kept current by
// the fleet stream GET /api/events. The stream is opened BEFORE the list is read and its events are held until
// the list arrives, then applied over it: a change made between the two reads is never missed.

import type { VNode } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type AgentChangeEvent, type AgentSummary, ApiError, type StatusEvent, allAgents } from '../api';
import { badge } from '../components/Badge';
import { LiveIndicator } from '../components/LiveIndicator';
import { ago } from '../format';
import { type LiveState, live } from '../live';
import { follow } from '../router';

type Agents = Map<string, AgentSummary>;

export function apply(agents: Agents, type: string, data: unknown): Agents {
  if (type === 'agent') {
    const e = data as AgentChangeEvent;
    const next = new Map(agents);
    if (e.op === 'delete' || e.status === null) {
      next.delete(e.agent); // gone (a change read after its row was deleted carries no row)
      return next;
    }
    const old = next.get(e.agent);
    next.set(e.agent, {
      ...old,
      name: e.agent, source: e.source ?? 'api', status: e.status, paused: Boolean(e.paused),
      revision: e.revision ?? 0, owner: old?.owner ?? '', platforms: Object.keys(e.platforms ?? {}).sort(),
      replicas: e.replicas ?? 0, tenant: e.tenant, image: e.image ?? '', health: e.health,
      replicasReady: e.replicas_ready, createdAt: e.created_at ?? '', updatedAt: e.updated_at ?? '',
      href: `/api/agents/${e.agent}`,
    });
    return next;
  }
  if (type === 'status') {
    const h = data as StatusEvent;
    const old = agents.get(h.agent);
    if (!old) return agents;
    return new Map(agents).set(h.agent, { ...old, health: h.health, replicasReady: h.replicas_ready });
  }
  return agents;
}

const STATUSES = ['pending', 'deploying', 'running', 'failed', 'paused', 'deleting'];
// Rows rendered at once, then the rest a chunk per task: the first screen answers input at once, and no
// task of the page runs long enough to hold up a keystroke (1,000 rows in one pass take ~150 ms on a quiet
// core, far more on a loaded one).
const FIRST_ROWS = 60;
const CHUNK_ROWS = 150;

export function AgentsList() {
  const [agents, setAgents] = useState<Agents | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<LiveState>('connecting');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const [, tick] = useState(0);
  const [shown, setShown] = useState(FIRST_ROWS);
  const held = useRef<[string, unknown][] | null>([]);

  useEffect(() => {
    // Read the list once the stream has answered (the server subscribed it first): no change can fall between.
    let requested = false;
    const load = () => {
      if (requested) return;
      requested = true;
      allAgents()
        .then((list) => {
          let map: Agents = new Map(list.map((a) => [a.name, a]));
          for (const [type, data] of held.current ?? []) map = apply(map, type, data);
          held.current = null;
              setAgents(map);
        })
        .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
    };
    const feed = live({
      path: '/api/events',
      onState(state) {
        setStream(state);
        if (state === 'open') load();
      },
      onEvent(type, data) {
        if (held.current) held.current.push([type, data]);
        else setAgents((current) => (current ? apply(current, type, data) : current));
      },
    });
    const fallback = setTimeout(load, 3000); // the stream is down: show the list anyway (not live)
    const timer = setInterval(() => {
      rows = new WeakMap(); // "2 min ago" keeps moving
      tick((n) => n + 1);
    }, 15000);
    return () => {
      feed.close();
      clearTimeout(fallback);
      clearInterval(timer);
    };
  }, []);

  useEffect(() => {
    if (agents) performance.mark('agents-list-interactive'); // the list, its first rows on screen
  }, [agents !== null]);

  const listed = useMemo(() => {
    if (!agents) return [];
    const q = query.trim().toLowerCase();
    return [...agents.values()]
      .filter((a) => (!q || a.name.includes(q) || (a.tenant ?? '').includes(q)) && (!status || a.status === status))
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [agents, query, status]);

  // A new filter starts again from the first rows; then the rest follow, a chunk per task.
  useEffect(() => setShown(FIRST_ROWS), [query, status]);
  useEffect(() => {
    if (!agents) return;
    if (shown < listed.length) {
      const next = setTimeout(() => setShown((n) => n + CHUNK_ROWS), 0);
      return () => clearTimeout(next);
    }
    document.body.dataset.agents = String(listed.length); // every row is in the page
    if (!query && !status) performance.mark('agents-list-complete');
    return undefined;
  }, [agents, listed, shown]);

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
            {listed.length === agents.size ? `${agents.size} agent(s)` : `${listed.length} of ${agents.size} agent(s)`}
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
              {listed.slice(0, shown).map(row)}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

// Each agent's row, made once: an agent changes by being replaced in the map, so an unchanged one keeps its row
// object, and Preact skips what it already rendered (the next chunk costs its own rows, not all before it).
// Cleared when the clock moves ("2 min ago").
let rows = new WeakMap<AgentSummary, VNode>();

function row(a: AgentSummary): VNode {
  let found = rows.get(a);
  if (!found) rows.set(a, (found = rowOf(a)));
  return found;
}

// One row, as plain elements (no component per row or cell).
function rowOf(a: AgentSummary): VNode {
  const ready = a.replicasReady ?? null;
  return (
    <tr key={a.name} data-agent={a.name}>
      <th scope="row" data-label="Name">
        <a href={`/agents/${encodeURIComponent(a.name)}`} onClick={follow}>{a.name}</a>
        {a.source === 'git' && <span class="tag" title="defined by an agent file in git">git</span>}
      </th>
      <td data-label="Status">{badge(a.status, 'status')}</td>
      <td data-label="Health">{badge(a.paused ? 'paused' : a.health ?? 'unknown', 'health')}</td>
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
