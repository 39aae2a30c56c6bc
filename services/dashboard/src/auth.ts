// Who is signed in, and the access token every API call and stream sends.
//
// Two ways in, one token shape (a Supabase Auth access token, verified by services/api/auth/tokens.py):
// - Supabase Auth through @supabase/auth-js (the auth part of supabase-js alone: ~32 KB less gzipped): email and
//   password, magic link and OAuth are Supabase's; the page only starts them. auth-js keeps the session in
//   localStorage and refreshes it before it expires (autoRefreshToken); PKCE for the redirect flows.
// - The dev-only sign-in of the dev and local stacks (no Auth server there): POST /api/dev/sign-in mints the same
//   token with the stack's own secret. No refresh: the session ends when the token does.

import { AuthClient, type GoTrueClient, type Provider } from '@supabase/auth-js';
import type { DashboardConfig } from './config';

export interface User {
  id: string;
  email: string;
}

export interface Session {
  user: User;
  via: 'supabase' | 'dev';
}

interface DevSession {
  access_token: string;
  expires_at: number; // seconds since the epoch, as Supabase sessions say it
  user: User;
}

const DEV_KEY = 'launchpad-dev-session';
const STORAGE_KEY = 'launchpad-auth';

let client: GoTrueClient | null = null;
let current: Session | null = null;
let expiredNotice = false;
const listeners = new Set<(s: Session | null) => void>();

function publish(next: Session | null): void {
  current = next;
  for (const fn of listeners) fn(next);
}

export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function session(): Session | null {
  return current;
}

export function sessionExpired(): boolean {
  return expiredNotice;
}

function readDev(): DevSession | null {
  try {
    const value = JSON.parse(localStorage.getItem(DEV_KEY) || 'null') as DevSession | null;
    return value && value.expires_at * 1000 > Date.now() + 5000 ? value : null;
  } catch {
    return null;
  }
}

export async function startAuth(config: DashboardConfig): Promise<void> {
  const dev = config.devSignIn ? readDev() : null;
  if (dev) {
    publish({ user: dev.user, via: 'dev' });
    return;
  }
  localStorage.removeItem(DEV_KEY);
  if (!config.supabaseUrl || !config.supabaseAnonKey) return;
  client = new AuthClient({
    url: `${config.supabaseUrl.replace(/\/$/, '')}/auth/v1`,
    headers: { apikey: config.supabaseAnonKey },
    storageKey: STORAGE_KEY,
    autoRefreshToken: true,
    persistSession: true,
    detectSessionInUrl: true,
    flowType: 'pkce',
  });
  client.onAuthStateChange((_event, s) => {
    publish(s ? { user: { id: s.user.id, email: s.user.email ?? '' }, via: 'supabase' } : null);
  });
  const { data } = await client.getSession();
  const s = data.session;
  publish(s ? { user: { id: s.user.id, email: s.user.email ?? '' }, via: 'supabase' } : null);
}

export async function accessToken(): Promise<string | null> {
  if (current?.via === 'dev') {
    const dev = readDev();
    if (!dev) {
      signOutExpired();
      return null;
    }
    return dev.access_token;
  }
  if (!client) return null;
  const { data } = await client.getSession(); // refreshes an expired token first
  return data.session?.access_token ?? null;
}

export async function signInWithPassword(email: string, password: string): Promise<string | null> {
  if (!client) return 'Supabase Auth is not configured for this stack';
  const { error } = await client.signInWithPassword({ email, password });
  return error ? error.message : null;
}

export async function signInWithMagicLink(email: string): Promise<string | null> {
  if (!client) return 'Supabase Auth is not configured for this stack';
  const { error } = await client.signInWithOtp({
    email,
    options: { emailRedirectTo: `${location.origin}/`, shouldCreateUser: false },
  });
  return error ? error.message : null;
}

export async function signInWithOAuth(provider: string): Promise<string | null> {
  if (!client) return 'Supabase Auth is not configured for this stack';
  const { error } = await client.signInWithOAuth({
    provider: provider as Provider,
    options: { redirectTo: `${location.origin}/` },
  });
  return error ? error.message : null;
}

export async function devSignIn(email: string): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch('/api/dev/sign-in', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ email }),
    });
  } catch {
    return 'the control plane cannot be reached';
  }
  const body = (await response.json().catch(() => null)) as
    | (DevSession & { error?: never })
    | { error: { message: string; details?: { message: string }[] } }
    | null;
  if (!response.ok || !body || 'error' in body) {
    const error = body && 'error' in body ? body.error : null;
    return error?.details?.[0]?.message ?? error?.message ?? `sign-in failed (${response.status})`;
  }
  localStorage.setItem(DEV_KEY, JSON.stringify({ access_token: body.access_token, expires_at: body.expires_at, user: body.user }));
  expiredNotice = false;
  publish({ user: body.user, via: 'dev' });
  return null;
}

export async function signOut(): Promise<void> {
  localStorage.removeItem(DEV_KEY);
  if (client) await client.signOut({ scope: 'local' });
  publish(null);
}

// A 401 from the API: the token expired or was revoked. Sign out locally and say why on the sign-in page.
export function signOutExpired(): void {
  if (!current) return;
  expiredNotice = true;
  void signOut();
}
