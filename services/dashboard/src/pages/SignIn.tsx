// Signing in. Supabase Auth's own flows (password, magic link, OAuth) when the stack has a Supabase project;
// on the dev and local stacks, which have no Auth server, the dev-only sign-in, labelled as such.

import { useState } from 'preact/hooks';
import { devSignIn, sessionExpired, signInWithMagicLink, signInWithOAuth, signInWithPassword } from '../auth';
import type { DashboardConfig } from '../config';

const PROVIDER_NAMES: Record<string, string> = {
  github: 'GitHub', google: 'Google', gitlab: 'GitLab', azure: 'Microsoft', discord: 'Discord', bitbucket: 'Bitbucket',
};

export function SignIn({ config }: { config: DashboardConfig }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [devEmail, setDevEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const supabase = Boolean(config.supabaseUrl && config.supabaseAnonKey);

  async function run(action: () => Promise<string | null>, done?: string) {
    setBusy(true);
    setError(null);
    setNotice(null);
    const failed = await action();
    setBusy(false);
    if (failed) setError(failed);
    else if (done) setNotice(done);
  }

  return (
    <main id="main" class="signin">
      <h1>Sign in to agent-launchpad</h1>
      {sessionExpired() && <p class="notice" role="status">Your session ended. Sign in again.</p>}
      {error && <p class="error" role="alert" id="signin-error">{error}</p>}
      {notice && <p class="notice" role="status">{notice}</p>}
      {supabase && (
        <section aria-labelledby="supabase-heading" class="card">
          <h2 id="supabase-heading">With your account</h2>
          <form onSubmit={(e) => { e.preventDefault(); void run(() => signInWithPassword(email, password)); }}>
            <label for="email">Email</label>
            <input id="email" type="email" autoComplete="email" required value={email}
              onInput={(e) => setEmail(e.currentTarget.value)} />
            <label for="password">Password</label>
            <input id="password" type="password" autoComplete="current-password" value={password}
              onInput={(e) => setPassword(e.currentTarget.value)} />
            <div class="row">
              <button type="submit" disabled={busy}>Sign in</button>
              {config.magicLink && (
                <button type="button" class="secondary" disabled={busy || !email}
                  onClick={() => void run(() => signInWithMagicLink(email), `A sign-in link is on its way to ${email}.`)}>
                  Email me a sign-in link
                </button>
              )}
            </div>
          </form>
          {config.oauthProviders.length > 0 && (
            <div class="row oauth">
              {config.oauthProviders.map((p) => (
                <button type="button" class="secondary" key={p} disabled={busy} onClick={() => void run(() => signInWithOAuth(p))}>
                  Continue with {PROVIDER_NAMES[p] ?? p}
                </button>
              ))}
            </div>
          )}
        </section>
      )}
      {config.devSignIn && (
        <section aria-labelledby="dev-heading" class="card dev">
          <h2 id="dev-heading">Dev-only sign-in <span class="devtag">stack {config.stack}</span></h2>
          <p>
            This stack has no Supabase Auth server. The control plane mints a token for the email you type with
            this stack's own secret: no password, anyone who reaches this page can be anyone. It exists on the dev
            and local stacks only; the policy pack refuses it on staging and prod.
          </p>
          <form onSubmit={(e) => { e.preventDefault(); void run(() => devSignIn(devEmail)); }}>
            <label for="dev-email">Email</label>
            <input id="dev-email" type="email" autoComplete="email" required value={devEmail}
              onInput={(e) => setDevEmail(e.currentTarget.value)} />
            <button type="submit" disabled={busy}>Sign in (dev)</button>
          </form>
        </section>
      )}
      {!supabase && !config.devSignIn && (
        <p class="error" role="alert">
          This control plane has no sign-in configured: set the stack's Supabase URL and anon key
          (SUPABASE_URL, SUPABASE_ANON_KEY).
        </p>
      )}
    </main>
  );
}
