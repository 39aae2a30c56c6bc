// Paths of the dashboard, in the browser's history (the control plane serves index.html for each of them):
//   /                 the agents list            /agents/new      a new agent
//   /agents/<name>    one agent                  /sign-in         signing in

import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'list' }
  | { page: 'new' }
  | { page: 'agent'; name: string }
  | { page: 'sign-in' }
  | { page: 'missing'; path: string };

export function parse(path: string): Route {
  if (path === '/' || path === '') return { page: 'list' };
  if (path === '/sign-in') return { page: 'sign-in' };
  if (path === '/agents/new') return { page: 'new' };
  const match = /^\/agents\/([^/]+)\/?$/.exec(path);
  if (match) return { page: 'agent', name: decodeURIComponent(match[1]) };
  return { page: 'missing', path };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

export function navigate(path: string, replace = false): void {
  if (path === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parse(location.pathname));
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return route;
}

// Links the dashboard follows itself: a left click without modifiers stays in the page.
export function follow(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
