// A new agent, two ways: a form for the common case, or a request body pasted as JSON or YAML (the body of
// POST /api/agents, e.g. one of the design's examples). Either way the control plane validates it with the
// same loader and rules as an agent file in git, so the messages are `validate`'s; each shows at its field
// (the form's input, or the line of the paste its JSON pointer names). Create, or dry-run: validate and preview
// it with the policy pack without deploying anything.

import { useEffect, useRef, useState } from 'preact/hooks';
import { type AgentChange, type Operation, api } from '../api';
import { ErrorSummary, FieldError, type Problems, problemsOf } from '../components/Problems';
import { OperationPanel } from '../components/OperationPanel';
import { navigate } from '../router';
import type { ParseFailure, Parsed } from '../source';

const PLATFORMS = ['discord', 'telegram', 'twitter', 'web'];
const PROVIDERS = ['openai', 'anthropic', 'openrouter', 'groq', 'google', 'ollama'];

interface EnvRow {
  name: string;
  value: string;
}

// Form inputs by the pointer of the request field they fill.
const FIELDS: [string, string][] = [
  ['/agentName', 'f-name'],
  ['/description', 'f-description'],
  ['/character/name', 'f-char-name'],
  ['/character/bio', 'f-bio'],
  ['/character/adjectives', 'f-adjectives'],
  ['/character/system', 'f-system'],
  ['/platforms', 'f-platforms'],
  ['/plugins', 'f-platforms'],
  ['/model/name', 'f-model-name'],
  ['/model', 'f-provider'],
  ['/resources/memory', 'f-memory'],
  ['/resources/cpu', 'f-cpu'],
  ['/scaling', 'f-replicas'],
  ['/supabase_config/database_url', 'f-database'],
  ['/environment', 'f-environment'],
];

function fieldOf(pointer: string | undefined): string | null {
  if (pointer === undefined) return null;
  for (const [prefix, id] of FIELDS) {
    if (pointer === prefix || pointer.startsWith(`${prefix}/`)) return id;
  }
  return null;
}

export function NewAgent() {
  return (
    <section aria-labelledby="new-heading">
      <h1 id="new-heading">New agent</h1>
      <p class="muted">
        Checked by the same rules as an agent file in git; it is deployed by the next run of the stack's deploy
        worker, and you can follow it on its page.
      </p>
      <div class="columns">
        <AgentForm />
        <PasteBox />
      </div>
    </section>
  );
}

function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problems | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  async function submit(body: unknown, dryRun: boolean) {
    setBusy(true);
    setProblems(null);
    setPreview(null);
    try {
      const change = await api.post<AgentChange>(`/api/agents${dryRun ? '?dryRun=true' : ''}`, body);
      if (dryRun) setPreview(change.operation.id);
      else navigate(`/agents/${encodeURIComponent(change.agent?.name ?? '')}`);
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }
  return { busy, problems, setProblems, preview, submit };
}

function AgentForm() {
  const [v, setV] = useState({
    name: '', description: '', charName: '', bio: '', adjectives: '', system: '', provider: 'openai', model: '',
    memory: '1Gi', cpu: '500m', replicas: '1', database: '',
  });
  const [platforms, setPlatforms] = useState<string[]>(['web']);
  const [env, setEnv] = useState<EnvRow[]>([{ name: 'OPENAI_API_KEY', value: '' }]);
  const { busy, problems, preview, submit } = useSubmit();
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problems) summary.current?.querySelector<HTMLElement>('.error-summary')?.focus();
  }, [problems]);

  const set = (key: keyof typeof v) => (e: Event) => setV({ ...v, [key]: (e.currentTarget as HTMLInputElement).value });
  function body() {
    const replicas = Number(v.replicas);
    const out: Record<string, unknown> = {
      agentName: v.name.trim(),
      character: {
        name: v.charName.trim(),
        bio: v.bio.trim(),
        ...(v.adjectives.trim() ? { adjectives: v.adjectives.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(v.system.trim() ? { system: v.system.trim() } : {}),
      },
      platforms,
      model: { provider: v.provider, ...(v.model.trim() ? { name: v.model.trim() } : {}) },
      resources: { memory: v.memory.trim(), cpu: v.cpu.trim() },
      scaling: { minReplicas: replicas, maxReplicas: replicas },
    };
    if (v.description.trim()) out.description = v.description.trim();
    const environment = Object.fromEntries(env.filter((r) => r.name.trim()).map((r) => [r.name.trim(), r.value]));
    if (Object.keys(environment).length) out.environment = environment;
    if (v.database.trim()) out.supabase_config = { database_url: v.database.trim() };
    return out;
  }
  const errs = (id: string) => (problems ? problems.details.filter((d) => fieldOf(d.pointer) === id) : []);
  const input = (id: string, label: string, key: keyof typeof v, extra: Record<string, unknown> = {}, hint?: string) => {
    const e = errs(id);
    return (
      <div class="field">
        <label for={id}>{label}</label>
        {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
        <input id={id} value={v[key]} onInput={set(key)} aria-invalid={e.length > 0}
          aria-describedby={[hint ? `${id}-hint` : '', e.length ? `${id}-error` : ''].join(' ').trim() || undefined} {...extra} />
        <FieldError id={`${id}-error`} problems={e} />
      </div>
    );
  };
  const anchors = Object.fromEntries((problems?.details ?? []).map((d) => [d.pointer ?? '', fieldOf(d.pointer) ?? ''])
    .filter(([, id]) => id));

  return (
    <form class="card" aria-labelledby="form-heading" onSubmit={(e) => { e.preventDefault(); void submit(body(), false); }}>
      <h2 id="form-heading">Describe it</h2>
      <div ref={summary}>
        <ErrorSummary problems={problems} anchors={anchors} />
      </div>
      {input('f-name', 'Name', 'name', { required: true, autoComplete: 'off', spellcheck: false },
        'Lower-case letters, digits and dashes: it names its Kubernetes objects.')}
      {input('f-description', 'Description (optional)', 'description')}
      <fieldset>
        <legend>Character</legend>
        {input('f-char-name', 'Character name', 'charName', { required: true })}
        <div class="field">
          <label for="f-bio">Bio</label>
          <textarea id="f-bio" rows={2} value={v.bio} onInput={set('bio')} aria-invalid={errs('f-bio').length > 0}
            aria-describedby={errs('f-bio').length ? 'f-bio-error' : undefined} />
          <FieldError id="f-bio-error" problems={errs('f-bio')} />
        </div>
        {input('f-adjectives', 'Traits (comma-separated, optional)', 'adjectives', {}, 'e.g. analytical, patient, concise')}
        {input('f-system', 'System prompt (optional)', 'system')}
      </fieldset>
      <fieldset id="f-platforms" aria-describedby={errs('f-platforms').length ? 'f-platforms-error' : undefined}>
        <legend>Platforms</legend>
        <div class="checks">
          {PLATFORMS.map((p) => (
            <label key={p} class="check">
              <input type="checkbox" checked={platforms.includes(p)}
                onChange={(e) => setPlatforms(e.currentTarget.checked ? [...platforms, p] : platforms.filter((x) => x !== p))} />
              {p}
            </label>
          ))}
        </div>
        <FieldError id="f-platforms-error" problems={errs('f-platforms')} />
      </fieldset>
      <fieldset>
        <legend>Model</legend>
        <div class="grid2">
          <div class="field">
            <label for="f-provider">Provider</label>
            <select id="f-provider" value={v.provider} onChange={set('provider')} aria-invalid={errs('f-provider').length > 0}
              aria-describedby={errs('f-provider').length ? 'f-provider-error' : undefined}>
              {PROVIDERS.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
            <FieldError id="f-provider-error" problems={errs('f-provider')} />
          </div>
          {input('f-model-name', 'Model name (optional)', 'model', { placeholder: 'gpt-4o-mini' })}
        </div>
      </fieldset>
      <fieldset>
        <legend>Resources and replicas</legend>
        <div class="grid3">
          {input('f-memory', 'Memory', 'memory')}
          {input('f-cpu', 'CPU', 'cpu')}
          {input('f-replicas', 'Replicas', 'replicas', { type: 'number', min: 1, inputMode: 'numeric' })}
        </div>
      </fieldset>
      <fieldset id="f-environment">
        <legend>Secret values</legend>
        <p class="hint">API keys and tokens the agent reads (e.g. DISCORD_API_TOKEN). Stored sealed, never shown again.</p>
        {env.map((row, i) => {
          const e = problems ? problems.details.filter((d) => d.pointer === `/environment/${row.name.trim()}`) : [];
          return (
            <div class="envrow" key={i}>
              <label for={`env-name-${i}`} class="sr-only">Name of secret {i + 1}</label>
              <input id={`env-name-${i}`} placeholder="NAME" value={row.name} spellcheck={false} aria-invalid={e.length > 0}
                onInput={(ev) => setEnv(env.map((r, j) => (j === i ? { ...r, name: ev.currentTarget.value } : r)))} />
              <label for={`env-value-${i}`} class="sr-only">Value of secret {i + 1}</label>
              <input id={`env-value-${i}`} type="password" placeholder="value" autoComplete="off" value={row.value}
                onInput={(ev) => setEnv(env.map((r, j) => (j === i ? { ...r, value: ev.currentTarget.value } : r)))} />
              <button type="button" class="secondary" aria-label={`Remove secret ${row.name || i + 1}`}
                onClick={() => setEnv(env.filter((_, j) => j !== i))}>Remove</button>
              <FieldError id={`env-${i}-error`} problems={e} />
            </div>
          );
        })}
        <button type="button" class="secondary" onClick={() => setEnv([...env, { name: '', value: '' }])}>Add a secret</button>
        <FieldError id="f-environment-error" problems={(problems?.details ?? []).filter((d) => d.pointer === '/environment')} />
      </fieldset>
      {input('f-database', 'Database URL (optional, needed for more than one replica)', 'database',
        { type: 'password', autoComplete: 'off' }, 'A Postgres URL the agent keeps its memory in (sealed, as POSTGRES_URL).')}
      <div class="row">
        <button type="submit" disabled={busy}>Create agent</button>
        <button type="button" class="secondary" disabled={busy} onClick={() => void submit(body(), true)}>Dry run</button>
      </div>
      {preview && <DryRun id={preview} panel="form-op" />}
    </form>
  );
}

function PasteBox() {
  const [text, setText] = useState('');
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [syntax, setSyntax] = useState<ParseFailure | null>(null);
  const { busy, problems, setProblems, preview, submit } = useSubmit();
  const area = useRef<HTMLTextAreaElement>(null);

  async function send(dryRun: boolean) {
    const { parseSource } = await import('../source');
    const result = parseSource(text);
    if ('message' in result) {
      setSyntax(result);
      setParsed(null);
      setProblems(null);
      return;
    }
    setSyntax(null);
    setParsed(result);
    await submit(result.value, dryRun);
  }

  function goTo(line: number) {
    const el = area.current;
    if (!el) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  }

  // Problems by the line of the paste their pointer names, in line order.
  const located = problems && parsed
    ? problems.details.map((d) => ({ ...d, line: parsed.line(d.pointer ?? '') })).sort((a, b) => a.line - b.line)
    : [];
  const byLine = new Map<number, typeof located>();
  for (const d of located) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  const lines = text.split('\n');
  const described = [syntax || problems ? 'paste-errors' : '', 'paste-hint'].filter(Boolean).join(' ');

  return (
    <form class="card" aria-labelledby="paste-heading" onSubmit={(e) => { e.preventDefault(); void send(false); }}>
      <h2 id="paste-heading">Or paste a request</h2>
      <label for="paste">Request body (JSON or YAML)</label>
      <p class="hint" id="paste-hint">The body of <code>POST /api/agents</code>, e.g. one of the design's examples.</p>
      <textarea id="paste" ref={area} rows={16} spellcheck={false} value={text} aria-describedby={described}
        aria-invalid={Boolean(syntax || problems)} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="row">
        <button type="submit" disabled={busy || !text.trim()}>Create from paste</button>
        <button type="button" class="secondary" disabled={busy || !text.trim()} onClick={() => void send(true)}>Dry run</button>
      </div>
      <div id="paste-errors">
        {syntax && (
          <p class="error" role="alert" data-line={syntax.line}>
            Line {syntax.line}: not valid JSON or YAML: {syntax.message}
          </p>
        )}
        {problems && (
          <div class="error-summary" role="alert">
            <p><strong>{problems.message}</strong></p>
            {parsed && located.length > 0 && (
              <ol class="annotated" aria-label="The paste with its problems">
                {lines.map((l, i) => {
                  const here = byLine.get(i + 1);
                  if (!here) return null;
                  return (
                    <li key={i} value={i + 1} data-line={i + 1}>
                      <button type="button" class="link" onClick={() => goTo(i + 1)}>Line {i + 1}</button>
                      <code class="src">{l.trim()}</code>
                      <ul>
                        {here.map((d, j) => (
                          <li key={j} data-pointer={d.pointer}><code>{d.pointer || '/'}</code>: {d.message}</li>
                        ))}
                      </ul>
                    </li>
                  );
                })}
              </ol>
            )}
          </div>
        )}
      </div>
      {preview && <DryRun id={preview} panel="paste-op" />}
    </form>
  );
}

// A dry run's preview, followed until the deploy worker has run it.
function DryRun({ id, panel }: { id: string; panel: string }) {
  const [op, setOp] = useState<Operation | null>(null);
  useEffect(() => {
    let stop = false;
    async function poll() {
      while (!stop) {
        try {
          const found = await api.get<Operation>(`/api/operations/${id}`);
          setOp(found);
          if (!['queued', 'running'].includes(found.state)) return;
        } catch {
          // retried below
        }
        await new Promise((r) => setTimeout(r, 1500));
      }
    }
    void poll();
    return () => {
      stop = true;
    };
  }, [id]);
  return (
    <div class="dryrun" role="status">
      <p>Valid. The preview (nothing is deployed) is operation <code>{id}</code>.</p>
      <OperationPanel op={op} id={panel} />
    </div>
  );
}
