// The dashboard: sign in, then the signed-in user's agents. Preact (a 4 KB React-compatible renderer) and
// hooks, no state library: each page reads the REST API once and follows the control plane's SSE streams.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { type Session, onSession, session, startAuth } from './auth';
import { readConfig } from './config';
import { Layout } from './components/Layout';
import { AgentsList } from './pages/AgentsList';
import { AgentPage } from './pages/AgentPage';
import { NewAgent } from './pages/NewAgent';
import { SignIn } from './pages/SignIn';
import { NotFound } from './pages/NotFound';
import { navigate, useRoute } from './router';

const config = readConfig();

function App({ ready }: { ready: boolean }) {
  const route = useRoute();
  const [who, setWho] = useState<Session | null>(session());
  useEffect(() => {
    setWho(session()); // signed in before this subscribed (a stored dev session is read at once)
    return onSession(setWho);
  }, []);

  useEffect(() => {
    if (!ready) return;
    if (!who && route.page !== 'sign-in') {
      const back = location.pathname + location.search;
      navigate(`/sign-in${back !== '/' ? `?next=${encodeURIComponent(back)}` : ''}`, true);
    } else if (who && route.page === 'sign-in') {
      const next = new URLSearchParams(location.search).get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
    }
  }, [ready, who, route.page]);

  if (!ready) return <p class="boot">Loading the dashboard…</p>;
  if (!who || route.page === 'sign-in') return <SignIn config={config} />;
  let page;
  switch (route.page) {
    case 'list':
      page = <AgentsList />;
      break;
    case 'new':
      page = <NewAgent />;
      break;
    case 'agent':
      page = <AgentPage key={route.name} name={route.name} />;
      break;
    default:
      page = <NotFound />;
  }
  return (
    <Layout config={config} who={who} route={route}>
      {page}
    </Layout>
  );
}

const root = document.getElementById('app')!;
render(<App ready={false} />, root);
startAuth(config)
  .catch(() => undefined)
  .finally(() => render(<App ready={true} />, root));
