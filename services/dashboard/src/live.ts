// Server-Sent Events from the control plane, read with fetch rather than EventSource so that the request can
// carry `Authorization: Bearer <token>` (EventSource sends no headers; a token in the URL would sit in access
// logs) and `Last-Event-ID` on every reconnect. Parsing is eventsource-parser's (the WHATWG rules).
//
// After a dropped connection (network, server restart, proxy timeout) it reconnects after the server's
// `retry:` delay (backing off while it keeps failing) with the id of the last event it delivered, so the
// server resumes right after it: no event lost, none delivered twice. A fresh token is fetched for each
// connection (auth-js may have refreshed it meanwhile).

import { createParser } from 'eventsource-parser';
import { accessToken, signOutExpired } from './auth';

export type LiveState = 'connecting' | 'open' | 'retrying' | 'closed';

export interface LiveOptions {
  path: string;
  onEvent: (type: string, data: unknown, id: string) => void;
  onState?: (state: LiveState) => void;
  // Resume after this id (e.g. the last seq of what the page already read through the REST API).
  lastEventId?: string;
}

export interface Live {
  close(): void;
  lastEventId(): string;
  connections(): number;
}

const MAX_BACKOFF_MS = 15000;

export function live(options: LiveOptions): Live {
  let last = options.lastEventId ?? '';
  let retryMs = 1000;
  let failures = 0;
  let opened = 0;
  let closed = false;
  let controller: AbortController | null = null;
  const state = (s: LiveState) => options.onState?.(s);

  const parser = createParser({
    onEvent(message) {
      if (message.id !== undefined) last = message.id;
      let data: unknown = message.data;
      try {
        data = JSON.parse(message.data);
      } catch {
        // a plain-text event: passed on as it is
      }
      options.onEvent(message.event ?? 'message', data, last);
    },
    onRetry(ms) {
      retryMs = ms;
    },
  });

  async function connect(): Promise<'retry' | 'stop'> {
    const token = await accessToken();
    if (!token) return 'stop';
    const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (last) headers['Last-Event-ID'] = last;
    controller = new AbortController();
    const response = await fetch(options.path, { headers, signal: controller.signal, cache: 'no-store' });
    if (response.status === 401) {
      signOutExpired();
      return 'stop';
    }
    // 204 (the server says: do not reconnect) and 404 (not theirs, or gone) end the stream for good.
    if (response.status === 204 || response.status === 404) return 'stop';
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    opened += 1;
    failures = 0;
    state('open');
    parser.reset();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'retry';
      parser.feed(value);
    }
  }

  async function run(): Promise<void> {
    state('connecting');
    while (!closed) {
      let outcome: 'retry' | 'stop' = 'retry';
      try {
        outcome = await connect();
      } catch {
        failures += 1;
      }
      if (closed || outcome === 'stop') break;
      state('retrying');
      const wait = Math.min(retryMs * 2 ** Math.min(failures, 4), MAX_BACKOFF_MS);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    state('closed');
  }

  void run();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
    lastEventId: () => last,
    connections: () => opened,
  };
}
