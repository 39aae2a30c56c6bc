import { follow } from '../router';

export function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no page at {location.pathname}. <a href="/" onClick={follow}>Your agents</a>.</p>
    </section>
  );
}
