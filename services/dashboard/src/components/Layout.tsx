// The frame of every signed-in page: a skip link, the header with the stack and the user, the navigation,
// and the main landmark (focused after each navigation, so keyboard and screen-reader users start there).

import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { type Session, signOut } from '../auth';
import type { DashboardConfig } from '../config';
import { type Route, follow } from '../router';

export function Layout({ config, who, route, children }: {
  config: DashboardConfig;
  who: Session;
  route: Route;
  children: ComponentChildren;
}) {
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const key = route.page === 'agent' ? `agent:${route.name}` : route.page;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [key]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/" onClick={follow}>agent-launchpad</a>
        {config.stack && <span class="stack" title="the stack this control plane serves">stack: {config.stack}</span>}
        <nav aria-label="Main">
          <a href="/" onClick={follow} aria-current={route.page === 'list' ? 'page' : undefined}>Agents</a>
          <a href="/agents/new" onClick={follow} aria-current={route.page === 'new' ? 'page' : undefined}>New agent</a>
        </nav>
        <div class="who">
          <span class="email" data-testid="user-email">{who.user.email}</span>
          {who.via === 'dev' && <span class="devtag">dev sign-in</span>}
          <button type="button" class="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
