"""The live streams behind the Server-Sent Events: ONE listener per API process for the whole fleet, and one
read per user with something new, as that user.

The collector's writes end with a NOTIFY on `launchpad_live` naming the stream and the owners it wrote for
(launchpad_private.notify_live, one per statement). The listener (a thread on its own session) marks the
feeds of those owners that have clients here; a fetcher thread then reads each marked feed's new rows in
one query per stream, as the owner (`as_user`: `authenticated` with their claims), so row-level security,
not this code, decides what a user receives, and hands them to that user's open streams (a per-agent stream
keeps its agent's rows). Clients of one user share the read; nothing polls while nothing is written. A lost
listener session reconnects and marks every feed (a NOTIFY sent meanwhile was lost, the rows were not)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from launchpad.db.repository.telemetry.reads import STREAMS, stream_after, stream_heads, stream_pending
from services.api.auth.principal import Principal
from services.api.database import Database

log = logging.getLogger("launchpad.api.events")
CHANNEL = "launchpad_live"
BATCH = 1000  # rows per stream per read
HELD_BACK_RETRY_SECONDS = 0.2  # a committed change an older transaction still holds back is read again this soon
QUEUE_ROWS = 20_000  # a client further behind than this is cut off; it resumes from its Last-Event-ID
Row = dict[str, Any]


@dataclass(eq=False)
class Subscriber:
    user_id: str
    agent_id: str | None
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[tuple[str, list[Row]]] = field(default_factory=asyncio.Queue)
    queued: int = 0
    overflowed: bool = False

    def offer(self, stream: str, rows: list[Row]) -> None:
        mine = [r for r in rows if self.agent_id is None or r.get("agent_id") == self.agent_id]
        if mine:
            self.loop.call_soon_threadsafe(self._put, stream, mine)

    def _put(self, stream: str, rows: list[Row]) -> None:
        if self.queued + len(rows) > QUEUE_ROWS:
            self.overflowed = True
            self.queue.put_nowait(("overflow", []))
            return
        self.queued += len(rows)
        self.queue.put_nowait((stream, rows))

    def taken(self, count: int) -> None:
        self.queued -= count


@dataclass(eq=False)
class Feed:
    who: Principal
    cursor: dict[str, int]
    subscribers: set[Subscriber] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)


class LiveHub:
    def __init__(self, db: Database, listen_url: str) -> None:
        self.db, self.url = db, listen_url
        self.feeds: dict[str, Feed] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.stats = {"notifications": 0, "reads": 0, "rows": 0, "listener_sessions": 0}
        self._held_back = False  # a feed has rows that are committed but not readable yet (changes.py)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> None:
        for name, target in (("live-listener", self._listen), ("live-fetcher", self._fetch_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- clients -------------------------------------------------------------------------------------

    def heads(self, who: Principal) -> dict[str, int]:
        with self.db.read(who) as conn:
            return stream_heads(conn)

    def subscribe(self, who: Principal, agent_id: str | None, loop: asyncio.AbstractEventLoop) -> Subscriber:
        """Register a client; its feed (shared with the user's other clients) starts where the streams are now,
        so the client's own catch-up (`catch_up`) covers everything before."""
        subscriber = Subscriber(who.user_id, agent_id, loop)
        heads = None
        with self._lock:
            feed = self.feeds.get(who.user_id)
        if feed is None:
            heads = self.heads(who)
        with self._lock:
            feed = self.feeds.get(who.user_id)
            if feed is None:
                assert heads is not None
                feed = self.feeds[who.user_id] = Feed(who, heads)
            feed.who = who  # the latest token's claims
            feed.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            feed = self.feeds.get(subscriber.user_id)
            if feed is not None:
                feed.subscribers.discard(subscriber)
                if not feed.subscribers:
                    del self.feeds[subscriber.user_id]

    def catch_up(self, who: Principal, agent_id: str | None, cursor: dict[str, int]) -> list[tuple[str, Row]]:
        """Every row of the user's streams after `cursor` (a resumed client), in stream order."""
        out: list[tuple[str, Row]] = []
        with self.db.read(who) as conn:
            for stream in STREAMS:
                after = cursor[stream]
                while True:
                    rows = stream_after(conn, stream, after, agent_id=agent_id, limit=BATCH)
                    out += [(stream, r) for r in rows]
                    if len(rows) < BATCH:
                        break
                    after = int(rows[-1]["seq"])
        return out

    # -- the listener and the fetcher ------------------------------------------------------------------

    def _mark(self, stream: str | None, users: list[str] | None) -> None:
        with self._lock:
            for user_id, feed in self.feeds.items():
                if users is None or user_id in users:
                    feed.dirty |= {stream} if stream else set(STREAMS)
        self._wake.set()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, application_name="launchpad-api-live") as conn:
                    conn.execute(f"listen {CHANNEL}")
                    self.stats["listener_sessions"] += 1
                    self._mark(None, None)  # whatever was written while no session listened
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.stats["notifications"] += 1
                            try:
                                payload = json.loads(note.payload)
                                self._mark(str(payload["t"]), payload.get("u"))
                            except (ValueError, KeyError):
                                log.warning("unexpected notification on %s: %.200s", CHANNEL, note.payload)
            except psycopg.Error as exc:
                log.warning("live listener lost its session (%s); reconnecting", type(exc).__name__)
                self._stop.wait(1.0)

    def _fetch_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=HELD_BACK_RETRY_SECONDS if self._held_back else 1.0)
            self._wake.clear()
            self._held_back = False
            with self._lock:
                work = [(feed, set(feed.dirty)) for feed in self.feeds.values() if feed.dirty]
                for feed, _ in work:
                    feed.dirty.clear()
            for feed, streams in work:
                try:
                    self._fetch(feed, streams)
                except Exception:
                    log.exception("reading the live streams of user %s failed", feed.who.user_id)
                    with self._lock:
                        feed.dirty |= streams
                    time.sleep(0.5)

    def _fetch(self, feed: Feed, streams: set[str]) -> None:
        with self.db.read(feed.who) as conn:
            for stream in sorted(streams, key=STREAMS.index):
                rows = stream_after(conn, stream, feed.cursor[stream], agent_id=None, limit=BATCH)
                self.stats["reads"] += 1
                position = int(rows[-1]["seq"]) if rows else feed.cursor[stream]
                if len(rows) < BATCH and stream_pending(conn, stream, position):
                    # Committed behind an older transaction still running: no NOTIFY will come for it again.
                    with self._lock:
                        feed.dirty.add(stream)
                    self._held_back = True
                if not rows:
                    continue
                self.stats["rows"] += len(rows)
                feed.cursor[stream] = int(rows[-1]["seq"])
                if len(rows) == BATCH:  # more behind these: read again at once
                    with self._lock:
                        feed.dirty.add(stream)
                    self._wake.set()
                with self._lock:
                    subscribers = list(feed.subscribers)
                for subscriber in subscribers:
                    subscriber.offer(stream, rows)
