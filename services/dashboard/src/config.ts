// The stack's public settings, written into index.html by the control plane when it serves the page
// (services/api/dashboard): no second request before the first paint, and one build serves every stack.

export interface DashboardConfig {
  stack: string;
  // Supabase Auth of the stack's project (auth-js talks to `${supabaseUrl}/auth/v1`); null on stacks without one.
  supabaseUrl: string | null;
  supabaseAnonKey: string | null;
  // OAuth providers enabled in the project (Supabase's names: github, google, ...), offered as buttons.
  oauthProviders: string[];
  magicLink: boolean;
  // The dev-only sign-in: the dev and local stacks have no Supabase Auth server (stack setting devSignIn).
  devSignIn: boolean;
}

export function readConfig(): DashboardConfig {
  const node = document.getElementById('launchpad-config');
  const given = JSON.parse(node?.textContent || '{}') as Partial<DashboardConfig>;
  return {
    stack: given.stack ?? '',
    supabaseUrl: given.supabaseUrl ?? null,
    supabaseAnonKey: given.supabaseAnonKey ?? null,
    oauthProviders: given.oauthProviders ?? [],
    magicLink: given.magicLink ?? false,
    devSignIn: given.devSignIn ?? false,
  };
}
