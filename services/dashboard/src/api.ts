// The control plane's REST API (services/api), same origin. Every call carries the signed-in user's access
// token; an error is the API's envelope {"error": {code, message, details: [{pointer, message}]}}.

import { accessToken, signOutExpired } from './auth';

export interface ProblemDetail {
  pointer?: string;
  parameter?: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ProblemDetail[] = [],
  ) {
    super(message);
  }
}

export interface OperationRef {
  id: string;
  kind: string;
  state: string;
  dryRun: boolean;
  href: string;
}

export interface Observed {
  health: string;
  replicasDesired: number | null;
  replicasReady: number | null;
  restarts: number | null;
  reason: string | null;
  changedAt: string | null;
}

export interface AgentSummary {
  name: string;
  source: 'git' | 'api';
  status: string;
  paused: boolean;
  revision: number;
  owner: string;
  platforms: string[];
  replicas: number;
  tenant?: string | null;
  image?: string;
  health?: string | null;
  replicasReady?: number | null;
  createdAt: string;
  updatedAt: string;
  href: string;
}

export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface Agent extends AgentSummary {
  description: string;
  file: string | null;
  stack: string | null;
  namespace: string;
  character: Record<string, unknown>;
  plugins: string[];
  platformModes: Record<string, string>;
  model: Record<string, unknown> | null;
  resources: Resources;
  scaling: { minReplicas?: number; maxReplicas?: number; targetCPU?: number; targetMemory?: number };
  environment: string[];
  restartedAt: string | null;
}

export interface AgentPage {
  agents: AgentSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface AgentChange {
  agent: Agent | null;
  operation: OperationRef;
  dryRun: boolean;
}

export interface AgentStatus {
  name: string;
  status: string;
  paused: boolean;
  revision: number;
  replicas: { min: number; max: number };
  lastOperation: OperationRef | null;
  lastError: string[];
  observed: Observed | null;
}

export interface OperationEvent {
  seq: number;
  at: string;
  kind: string;
  message: string;
}

export interface Operation {
  id: string;
  agent: string;
  kind: string;
  state: string;
  dryRun: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  summary: { changes?: Record<string, number> } | null;
  violations: { policy: string; message: string; level?: string }[];
  errorLines: string[];
  events: OperationEvent[];
}

export interface LogLine {
  seq: number;
  at: string;
  level: string;
  message: string;
}

export interface LogPage {
  logs: LogLine[];
  next: string | null;
}

export interface MetricSample {
  at: string;
  name: string;
  value: number;
}

export interface MetricPage {
  metrics: MetricSample[];
  next: string | null;
}

export interface AlertItem {
  id: string;
  severity: string;
  status: string;
  title: string;
  message: string;
  startedAt: string | null;
  resolvedAt: string | null;
}

export interface AlertPage {
  alerts: AlertItem[];
  next: string | null;
}

// What the live streams send (services/api/events/views.py: rows of the collector's and the control plane's
// streams, snake_case as stored; `agent` is the agent's name).
export interface AgentChangeEvent {
  agent: string;
  op: 'insert' | 'update' | 'delete';
  source: 'git' | 'api' | null;
  status: string | null;
  paused: boolean | null;
  revision: number | null;
  replicas: number | null;
  tenant: string | null;
  image: string | null;
  platforms: Record<string, unknown> | null;
  created_at: string | null;
  updated_at: string | null;
  health: string | null;
  replicas_ready: number | null;
}

export interface StatusEvent {
  agent: string;
  at: string;
  health: string;
  reason: string;
  replicas_desired: number;
  replicas_ready: number;
  restarts: number;
}

export interface OperationStateEvent {
  agent: string;
  id: string;
  kind: string;
  state: string;
  dry_run: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error_lines: string[];
}

export interface OperationEventEvent {
  agent: string;
  operation_id: string;
  number: number;
  at: string;
  kind: string;
  message: string;
}

export interface AlertEvent {
  agent: string;
  id: string;
  status: string;
  severity: string;
  title: string;
  message: string;
  starts_at: string | null;
  resolved_at: string | null;
}

// A live event's id is the client's position in every stream (`status:<n>,logs:<n>,...`); a log line's
// own place is its `logs` position, the same number GET .../logs calls `seq`.
export function position(id: string, stream: string): number {
  for (const part of id.split(',')) {
    const [name, value] = part.split(':');
    if (name === stream) return Number(value);
  }
  return NaN;
}

export async function request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extra };
  const token = await accessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the control plane cannot be reached; check your connection and retry');
  }
  const text = await response.text();
  const data = text ? safeJson(text) : null;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; details?: ProblemDetail[] } } | null)?.error;
    if (response.status === 401) signOutExpired();
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${response.status} ${response.statusText}`, error?.details ?? []);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: unknown, headers: Record<string, string> = {}) => request<T>('PATCH', path, body, headers),
  del: <T>(path: string, headers: Record<string, string> = {}) => request<T>('DELETE', path, undefined, headers),
};

export const agentPath = (name: string) => `/api/agents/${encodeURIComponent(name)}`;

// Every agent the user may see: one page of up to 1,000 (a fleet's worth), then any further pages side by side.
export async function allAgents(): Promise<AgentSummary[]> {
  const size = 1000;
  const first = await api.get<AgentPage>(`/api/agents?limit=${size}&offset=0`);
  const rest: Promise<AgentPage>[] = [];
  for (let offset = size; offset < first.total; offset += size) {
    rest.push(api.get<AgentPage>(`/api/agents?limit=${size}&offset=${offset}`));
  }
  const pages = await Promise.all(rest);
  return [first, ...pages].flatMap((p) => p.agents);
}

// Every page of a cursor-paged list (logs, metrics, alerts), up to `most` items.
export async function pages<T>(path: string, key: 'logs' | 'metrics' | 'alerts', most: number): Promise<T[]> {
  const out: T[] = [];
  let next: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Record<string, unknown> & { next: string | null } = await api.get(
      `${path}${sep}limit=100${next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    out.push(...(page[key] as T[]));
    next = page.next;
  } while (next && out.length < most);
  return out;
}
