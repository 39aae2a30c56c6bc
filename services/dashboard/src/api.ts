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

export interface MetricPoint {
  at: string;
  value: number;
}

export interface Metrics {
  since: string;
  series: Record<string, MetricPoint[]>;
}

export interface AlertItem {
  id: string;
  severity: string;
  status: string;
  title: string;
  message: string;
  startsAt: string | null;
  resolvedAt: string | null;
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

// Every agent the user may see: the first page, then the rest of the pages side by side (the API pages by
// at most 100: 1,000 agents are 10 requests, 9 of them in parallel).
export async function allAgents(): Promise<AgentSummary[]> {
  const size = 100;
  const first = await api.get<AgentPage>(`/api/agents?limit=${size}&offset=0`);
  const rest: Promise<AgentPage>[] = [];
  for (let offset = size; offset < first.total; offset += size) {
    rest.push(api.get<AgentPage>(`/api/agents?limit=${size}&offset=${offset}`));
  }
  const pages = await Promise.all(rest);
  return [first, ...pages].flatMap((p) => p.agents);
}
