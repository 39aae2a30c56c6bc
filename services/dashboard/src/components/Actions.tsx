// What the owner can do to an agent created through the control plane: scale, pause or resume, restart,
// change its resources, delete it (after typing its name). Each answer of the API shows where it belongs: a
// refused value at its field, with the rules' own message. An agent from git is changed through git.

import { useRef, useState } from 'preact/hooks';
import { type Agent, type AgentChange, agentPath, api } from '../api';
import { FieldError, type Problems, at, problemsOf } from './Problems';

function useAction(onDone: (change: AgentChange) => void) {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems | null>(null);
  async function run(call: () => Promise<AgentChange>) {
    setBusy(true);
    setProblems(null);
    try {
      onDone(await call());
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }
  return { busy, problems, run };
}

export function Actions({ agent, onChange }: { agent: Agent; onChange: (change: AgentChange) => void }) {
  if (agent.source === 'git') {
    return (
      <section aria-labelledby="actions-heading" class="card">
        <h2 id="actions-heading">Actions</h2>
        <p>This agent is defined in git by <code>{agent.file ?? 'an agent file'}</code>: change it there (a pull request).</p>
      </section>
    );
  }
  const deleting = agent.status === 'deleting';
  return (
    <section aria-labelledby="actions-heading" class="card actions">
      <h2 id="actions-heading">Actions</h2>
      {deleting && <p class="notice">This agent is being deleted.</p>}
      <fieldset disabled={deleting}>
        <legend class="sr-only">Change the agent</legend>
        <Scale agent={agent} onChange={onChange} />
        <PauseResume agent={agent} onChange={onChange} />
        <EditResources agent={agent} onChange={onChange} />
        <Delete agent={agent} onChange={onChange} />
      </fieldset>
    </section>
  );
}

function Scale({ agent, onChange }: { agent: Agent; onChange: (c: AgentChange) => void }) {
  const [replicas, setReplicas] = useState(String(agent.scaling.maxReplicas ?? agent.replicas));
  const { busy, problems, run } = useAction(onChange);
  const errors = at(problems, '/replicas', '/scaling', '/minReplicas', '/maxReplicas');
  const other = problems && errors.length === 0 ? problems.message : null;
  return (
    <form class="action" onSubmit={(e) => {
      e.preventDefault();
      void run(() => api.post<AgentChange>(`${agentPath(agent.name)}/scale`, { replicas: Number(replicas) }));
    }}>
      <label for="replicas">Replicas</label>
      <input id="replicas" type="number" min={1} max={100} inputMode="numeric" value={replicas} required
        aria-invalid={errors.length > 0} aria-describedby={errors.length ? 'replicas-error' : undefined}
        onInput={(e) => setReplicas(e.currentTarget.value)} />
      <button type="submit" disabled={busy}>Scale</button>
      <FieldError id="replicas-error" problems={errors} />
      {other && <p class="error" role="alert">{other}</p>}
    </form>
  );
}

function PauseResume({ agent, onChange }: { agent: Agent; onChange: (c: AgentChange) => void }) {
  const { busy, problems, run } = useAction(onChange);
  const verb = agent.paused ? 'resume' : 'pause';
  return (
    <div class="action row">
      <button type="button" disabled={busy} onClick={() => void run(() => api.post<AgentChange>(`${agentPath(agent.name)}/${verb}`))}>
        {agent.paused ? 'Resume' : 'Pause'}
      </button>
      <button type="button" class="secondary" disabled={busy || agent.paused}
        onClick={() => void run(() => api.post<AgentChange>(`${agentPath(agent.name)}/restart`))}>
        Restart
      </button>
      <span class="muted">{agent.paused ? 'Paused: no pods run; its settings and secrets are kept.' : 'Pause stops its pods and keeps everything else.'}</span>
      {problems && <p class="error" role="alert">{problems.message}</p>}
    </div>
  );
}

const RESOURCE_FIELDS = [
  ['requests', 'cpu', 'CPU request'],
  ['requests', 'memory', 'Memory request'],
  ['limits', 'cpu', 'CPU limit'],
  ['limits', 'memory', 'Memory limit'],
] as const;

function EditResources({ agent, onChange }: { agent: Agent; onChange: (c: AgentChange) => void }) {
  const initial = () => Object.fromEntries(RESOURCE_FIELDS.map(([group, key]) =>
    [`${group}.${key}`, agent.resources[group]?.[key] ?? ''])) as Record<string, string>;
  const [values, setValues] = useState<Record<string, string>>(initial);
  const { busy, problems, run } = useAction(onChange);
  const placed = new Set<string>();
  return (
    <form class="action resources" onSubmit={(e) => {
      e.preventDefault();
      const resources: Record<string, Record<string, string>> = {};
      for (const [group, key] of RESOURCE_FIELDS) {
        const v = values[`${group}.${key}`].trim();
        if (v) (resources[group] ??= {})[key] = v;
      }
      // If-Match: refused if someone changed the agent since this page read it.
      void run(() => api.patch<AgentChange>(agentPath(agent.name), { resources }, { 'If-Match': `"${agent.revision}"` }));
    }}>
      <fieldset>
        <legend>Resources</legend>
        <div class="grid4">
          {RESOURCE_FIELDS.map(([group, key, label]) => {
            const id = `res-${group}-${key}`;
            const pointer = `/resources/${group}/${key}`;
            const errors = at(problems, pointer);
            errors.forEach((d) => placed.add(d.pointer!));
            return (
              <div key={id}>
                <label for={id}>{label}</label>
                <input id={id} value={values[`${group}.${key}`]} placeholder={key === 'cpu' ? '500m' : '1Gi'}
                  aria-invalid={errors.length > 0} aria-describedby={errors.length ? `${id}-error` : undefined}
                  onInput={(e) => setValues({ ...values, [`${group}.${key}`]: e.currentTarget.value })} />
                <FieldError id={`${id}-error`} problems={errors} />
              </div>
            );
          })}
        </div>
      </fieldset>
      <button type="submit" disabled={busy}>Save resources</button>
      {problems && (
        <div class="error" role="alert">
          <p>{problems.message}</p>
          <ul>{problems.details.filter((d) => !placed.has(d.pointer ?? '')).map((d, i) =>
            <li key={i}>{d.pointer ? <code>{d.pointer}</code> : null} {d.message}</li>)}</ul>
        </div>
      )}
    </form>
  );
}

function Delete({ agent, onChange }: { agent: Agent; onChange: (c: AgentChange) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const { busy, problems, run } = useAction((change) => {
    dialog.current?.close();
    onChange(change);
  });
  return (
    <div class="action">
      <button type="button" class="danger" onClick={() => { setTyped(''); dialog.current?.showModal(); }}>Delete…</button>
      <dialog ref={dialog} aria-labelledby="delete-heading" aria-describedby="delete-text">
        <form method="dialog" onSubmit={(e) => {
          e.preventDefault();
          void run(() => api.del<AgentChange>(agentPath(agent.name), { 'If-Match': `"${agent.revision}"` }));
        }}>
          <h2 id="delete-heading">Delete {agent.name}?</h2>
          <p id="delete-text">
            Its pods, Service, Secret (with the values you gave it) and its own namespace objects are removed by the
            next deploy; its logs and metrics go with it. This cannot be undone.
          </p>
          <label for="delete-confirm">Type <strong>{agent.name}</strong> to confirm</label>
          <input id="delete-confirm" value={typed} autoComplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
          {problems && <p class="error" role="alert">{problems.message}</p>}
          <div class="row">
            <button type="submit" class="danger" disabled={busy || typed !== agent.name}>Delete {agent.name}</button>
            <button type="button" class="secondary" onClick={() => dialog.current?.close()}>Cancel</button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
