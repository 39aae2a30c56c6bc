-- The live data loop (issue 21): what the collector (services/collector) observes of every agent, and how it
-- reaches the agent's owner. Written by the collector only, through launchpad/db/repository/telemetry/.
--
-- 1. Observed health, one row per agent (CONTRACT "Observed health"). A table of its own rather than columns
--    on public.agents: the collector rewrites it whenever pods change (ready counts, restarts), and on the
--    agents row that would bump updated_at, take the row lock the API's desired-state writes take, and send
--    every subscriber of `agents` a Realtime UPDATE for a restart counter. Absent row = health 'unknown'.
-- 2. agent_events: one row per transition of an agent's health or replica counts, written in the same
--    statement as the health row and only when it changed, so a collector that restarts and observes the same
--    state again writes nothing, and one that resumes its watch replays nothing (the watch's resourceVersion is
--    stored in the same transaction, collector_state below).
-- 3. Stream cursors: every streamed table has a `seq` (a sequence, or the identity) that the control plane's
--    Server-Sent Events resume from (Last-Event-ID), and an AFTER STATEMENT trigger that NOTIFYs the owners
--    whose rows a statement wrote, once per statement (a COPY of 5,000 log lines is one notification).
-- 4. Alerts from Alertmanager: fingerprint, labels and the incident's start, de-duplicated per incident.

-- 1. Observed health.
create table public.agent_health (
  agent_id uuid primary key,
  user_id uuid not null,
  health text not null default 'unknown'
    check (health in ('unknown', 'running', 'degraded', 'crash-looping', 'pending', 'paused')),
  replicas_desired integer not null default 0 check (replicas_desired >= 0),
  replicas_ready integer not null default 0 check (replicas_ready >= 0),
  restarts integer not null default 0 check (restarts >= 0),
  health_reason text not null default '',
  health_changed_at timestamptz not null default now(),
  observed_at timestamptz not null default now(),
  constraint agent_health_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
);
create index agent_health_user_id_idx on public.agent_health (user_id);

-- 2. Transitions.
create table public.agent_events (
  id bigint generated always as identity primary key,
  agent_id uuid not null,
  user_id uuid not null,
  at timestamptz not null default now(),
  -- health: the health changed; replicas: same health, other desired/ready/restarts.
  kind text not null check (kind in ('health', 'replicas')),
  health text not null,
  previous_health text,
  reason text not null default '',
  replicas_desired integer not null,
  replicas_ready integer not null,
  restarts integer not null,
  constraint agent_events_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
);
-- A user's events newest first (GET .../events, the SSE catch-up), and the RLS user_id index.
create index agent_events_user_id_id_idx on public.agent_events (user_id, id);
create index agent_events_agent_id_id_idx on public.agent_events (agent_id, id);

-- 3. Stream cursors on the time series. A sequence default (not an identity: PostgreSQL before 17 refuses an
-- identity column on a partitioned table); BRIN because seq grows with the physical order of the rows, so the
-- newest range is found by reading a few block summaries, not a B-tree entry per log line.
create sequence public.agent_logs_seq as bigint;
create sequence public.agent_metrics_seq as bigint;
alter table public.agent_logs add column seq bigint not null default nextval('public.agent_logs_seq');
alter table public.agent_metrics add column seq bigint not null default nextval('public.agent_metrics_seq');
alter sequence public.agent_logs_seq owned by public.agent_logs.seq;
alter sequence public.agent_metrics_seq owned by public.agent_metrics.seq;
create index agent_logs_seq_brin on public.agent_logs using brin (seq) with (pages_per_range = 16);
create index agent_metrics_seq_brin on public.agent_metrics using brin (seq) with (pages_per_range = 16);

-- 4. Alerts from Alertmanager. One row per incident: Alertmanager's fingerprint (a hash of the label set,
-- stable from firing to resolved) and the incident's start; a later incident of the same alert is a new row.
create sequence public.system_alerts_seq as bigint;
alter table public.system_alerts
  add column fingerprint text check (fingerprint ~ '^[0-9a-f]{16}$'),
  add column alertname text,
  add column starts_at timestamptz,
  add column labels jsonb not null default '{}'::jsonb,
  add column seq bigint not null default nextval('public.system_alerts_seq');
alter sequence public.system_alerts_seq owned by public.system_alerts.seq;
create unique index system_alerts_incident_key on public.system_alerts (fingerprint, starts_at);
create index system_alerts_seq_idx on public.system_alerts (seq);

-- Every change of an alert (acknowledged, resolved) moves it to the end of the stream.
create function public.system_alerts_bump_seq() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.seq := nextval('public.system_alerts_seq');
  return new;
end
$$;
create trigger system_alerts_bump_seq before update on public.system_alerts
  for each row execute function public.system_alerts_bump_seq();

-- One NOTIFY per statement on channel launchpad_live: {"t": <stream>, "u": [owners] or null (too many to
-- list: every listener re-reads), "s": <highest seq written>}. NOTIFY is delivered at commit, so a listener
-- never reads a row before it is visible. The payload names owners, never data: the listener reads the rows
-- as each owner, under row-level security.
create function launchpad_private.notify_live() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  users text[];
  top bigint;
begin
  if tg_table_name = 'agent_events' then
    select array_agg(distinct user_id::text), max(id) into users, top from new_rows;
  else
    select array_agg(distinct user_id::text), max(seq) into users, top from new_rows;
  end if;
  if top is null then
    return null;
  end if;
  perform pg_notify('launchpad_live', json_build_object(
    't', tg_argv[0],
    'u', case when cardinality(users) <= 100 then to_json(users) end,
    's', top)::text);
  return null;
end
$$;
revoke execute on function launchpad_private.notify_live() from public;
revoke execute on function public.system_alerts_bump_seq() from public, anon, authenticated, service_role;

create trigger agent_logs_notify_live after insert on public.agent_logs
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live('logs');
create trigger agent_metrics_notify_live after insert on public.agent_metrics
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live('metrics');
create trigger agent_events_notify_live after insert on public.agent_events
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live('status');
create trigger system_alerts_notify_live_insert after insert on public.system_alerts
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live('alerts');
create trigger system_alerts_notify_live_update after update on public.system_alerts
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live('alerts');

-- 5. The collector's own state: the watch's last resourceVersion per stream, written in the same transaction
-- as what it observed. Private schema: no API role reaches it.
create table launchpad_private.collector_state (
  scope text not null,
  key text not null,
  value text not null,
  updated_at timestamptz not null default now(),
  primary key (scope, key)
);
alter table launchpad_private.collector_state enable row level security;

-- 6. Row-level security: owners read their own; nothing else for the API roles (the collector writes).
alter table public.agent_health enable row level security;
alter table public.agent_events enable row level security;
create policy agent_health_select_own on public.agent_health for select to authenticated
  using ((select auth.uid()) = user_id);
create policy agent_events_select_own on public.agent_events for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.agent_health, public.agent_events from public, anon, authenticated, service_role;
revoke all on sequence public.agent_logs_seq, public.agent_metrics_seq, public.system_alerts_seq,
  public.agent_events_id_seq from public, anon, authenticated, service_role;
revoke all on table launchpad_private.collector_state from public;
grant select on table public.agent_health, public.agent_events to authenticated;
grant select, insert, update, delete on table public.agent_health, public.agent_events to service_role;
-- The sequences advance through the column defaults of rows a role may insert.
grant usage on sequence public.agent_logs_seq, public.agent_metrics_seq, public.system_alerts_seq
  to authenticated, service_role;

-- 7. The collector's role: exactly what it writes, for every owner. Row-level security stays on for it; its
-- policies admit every row (it observes the whole fleet) and its privileges are column- and table-narrow.
-- Give it a password to log in remotely: `alter role launchpad_collector password '...'`.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'launchpad_collector') then
    create role launchpad_collector login;
  end if;
end
$$;
grant usage on schema launchpad_private to launchpad_collector;
grant select, insert, update on table launchpad_private.collector_state to launchpad_collector;
grant select (id, user_id, name, namespace) on table public.agents to launchpad_collector;
grant select, insert, update on table public.agent_health to launchpad_collector;
grant select, insert on table public.agent_metrics, public.agent_logs to launchpad_collector;
-- delete: the retention of events (the series drop whole partitions instead)
grant select, insert, delete on table public.agent_events to launchpad_collector;
grant select, insert, update on table public.system_alerts to launchpad_collector;
grant usage on sequence public.agent_logs_seq, public.agent_metrics_seq, public.system_alerts_seq
  to launchpad_collector;
grant execute on function public.create_time_partitions(regclass, date, integer) to launchpad_collector;
grant execute on function public.drop_time_partitions(regclass, timestamptz) to launchpad_collector;

create policy collector_state_collector on launchpad_private.collector_state for all to launchpad_collector
  using (true) with check (true);
create policy agents_select_collector on public.agents for select to launchpad_collector using (true);
create policy agent_health_all_collector on public.agent_health for all to launchpad_collector
  using (true) with check (true);
create policy agent_events_collector on public.agent_events for all to launchpad_collector
  using (true) with check (true);
create policy agent_metrics_collector on public.agent_metrics for all to launchpad_collector
  using (true) with check (true);
create policy agent_logs_collector on public.agent_logs for all to launchpad_collector
  using (true) with check (true);
create policy system_alerts_collector on public.system_alerts for all to launchpad_collector
  using (true) with check (true);

-- 8. Realtime (supabase-js postgres_changes). The new tables join the publication. agent_health is updated in
-- place: with REPLICA IDENTITY FULL its old row is in the WAL, so an UPDATE carries the previous health and a
-- filter on a non-key column (user_id=eq.<uid>) can be evaluated on both images.
alter table public.agent_health replica identity full;
select launchpad_private.publish_realtime(array['public.agent_health', 'public.agent_events']::regclass[]);
