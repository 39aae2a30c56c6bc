-- The dashboard's live view (issue 22): besides the collector's streams (20261207400000_observed_health.sql:
-- status, logs, metrics, alerts), the agents list and an agent's page follow three more on the same channel:
--   agents      every change of an agent row the list shows (created; its lifecycle status, paused, revision,
--               replicas, image...; deleted), one agent_changes row each: a deleted agent's row is gone, its
--               change is not;
--   operations  every change of an operation (queued, running, succeeded...);
--   opevents    every engine event a deploy worker records for an operation.
-- Each write NOTIFYs launchpad_live once per statement with the owners it wrote for, like the collector's.
--
-- Ordered by commit, not by a sequence. These tables have several writers at once (API requests, deploy
-- workers, the program's registry), and a sequence value is taken before its transaction commits: a reader
-- could see value 11 committed while 10 is still in flight, move past it, and never send 10. So each row
-- carries the id of the transaction that wrote it (pg_current_xact_id(), xid8), and a reader takes only rows of
-- transactions older than the oldest one still running (pg_snapshot_xmin of its snapshot): those are all
-- committed (or rolled back), so nothing can appear behind what it sent. Rows are read in (transaction, id)
-- order; the stream position is transaction * 10^12 + id (launchpad/db/repository/telemetry/reads.py). A
-- write held back by an older transaction still running is read as soon as that one ends. No lock is taken:
-- the writers' own row locks are all that orders them.

create table public.agent_changes (
  id bigint generated always as identity primary key,
  agent_id uuid not null,
  -- No foreign key: a user's deletion cascades to their agents, whose deletions are recorded here by the same
  -- statement (a reference to the user being deleted would refuse it). Rows age out after a week.
  user_id uuid not null,
  name text not null,
  op text not null check (op in ('insert', 'update', 'delete')),
  at timestamptz not null default now(),
  live_xid xid8 not null default pg_current_xact_id()
);
create index agent_changes_user_id_idx on public.agent_changes (user_id);
create index agent_changes_live_idx on public.agent_changes (live_xid, id);
create index agent_changes_at_idx on public.agent_changes (at);

-- Operations move (queued -> running -> succeeded): each write takes its transaction's id and the next value of
-- a sequence (the order of one transaction's rows).
create sequence public.operations_live_seq as bigint;
create sequence public.operation_events_live_seq as bigint;
alter table public.operations
  add column live_xid xid8 not null default '0'::xid8,
  add column live_seq bigint not null default 0;
alter table public.operation_events
  add column live_xid xid8 not null default '0'::xid8,
  add column live_seq bigint not null default 0;
alter sequence public.operations_live_seq owned by public.operations.live_seq;
alter sequence public.operation_events_live_seq owned by public.operation_events.live_seq;
create index operations_live_idx on public.operations (live_xid, live_seq);
create index operation_events_live_idx on public.operation_events (live_xid, live_seq);

-- agents -> agent_changes: one row per agent a statement created, changed where the list shows it, or deleted.
-- security definer: the API, the deploy workers and the registry write agents; none of them is given agent_changes.
create function launchpad_private.record_agent_changes() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  users text[];
  top bigint;
begin
  if tg_op = 'INSERT' then
    with written as (
      insert into public.agent_changes (agent_id, user_id, name, op)
      select n.id, n.user_id, n.name, 'insert' from new_rows n order by n.name
      returning id, user_id
    )
    select array_agg(distinct user_id::text), max(id) into users, top from written;
  elsif tg_op = 'UPDATE' then
    with written as (
      insert into public.agent_changes (agent_id, user_id, name, op)
      select n.id, n.user_id, n.name, 'update' from new_rows n join old_rows o on o.id = n.id
      where (n.status, n.paused, n.revision, n.replicas, n.tenant, n.image, n.platforms, n.resources, n.namespace)
            is distinct from (o.status, o.paused, o.revision, o.replicas, o.tenant, o.image, o.platforms,
                              o.resources, o.namespace)
      order by n.name
      returning id, user_id
    )
    select array_agg(distinct user_id::text), max(id) into users, top from written;
  else
    with written as (
      insert into public.agent_changes (agent_id, user_id, name, op)
      select o.id, o.user_id, o.name, 'delete' from old_rows o order by o.name
      returning id, user_id
    )
    select array_agg(distinct user_id::text), max(id) into users, top from written;
  end if;
  if top is not null then
    perform pg_notify('launchpad_live', json_build_object(
      't', 'agents', 'u', case when cardinality(users) <= 100 then to_json(users) end, 's', top)::text);
  end if;
  -- Retention: a client away for longer than a week reloads the list rather than resuming.
  delete from public.agent_changes where at < now() - interval '7 days';
  return null;
end
$$;

create trigger agents_record_changes_insert after insert on public.agents
  referencing new table as new_rows for each statement execute function launchpad_private.record_agent_changes();
create trigger agents_record_changes_update after update on public.agents
  referencing old table as old_rows new table as new_rows
  for each statement execute function launchpad_private.record_agent_changes();
create trigger agents_record_changes_delete after delete on public.agents
  referencing old table as old_rows for each statement execute function launchpad_private.record_agent_changes();

-- operations and operation_events: each row written carries its transaction and the next value of its stream's
-- sequence. security definer: nextval needs the sequence, which the writers (the API's role enqueues) are not given.
create function launchpad_private.take_live_position() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.live_xid := pg_current_xact_id();
  new.live_seq := nextval(tg_argv[0]::regclass);
  return new;
end
$$;

-- Rows written before this migration: ordered as they were created, behind every later write.
update public.operations set live_xid = '1'::xid8, live_seq = nextval('public.operations_live_seq');
update public.operation_events set live_xid = '1'::xid8, live_seq = nextval('public.operation_events_live_seq');

create trigger operations_take_live_position before insert or update on public.operations
  for each row execute function launchpad_private.take_live_position('public.operations_live_seq');
create trigger operation_events_take_live_position before insert on public.operation_events
  for each row execute function launchpad_private.take_live_position('public.operation_events_live_seq');

create function launchpad_private.notify_live_ops() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  users text[];
  top bigint;
begin
  select array_agg(distinct user_id::text), max(live_seq) into users, top from new_rows;
  if top is not null then
    perform pg_notify('launchpad_live', json_build_object(
      't', tg_argv[0], 'u', case when cardinality(users) <= 100 then to_json(users) end, 's', top)::text);
  end if;
  return null;
end
$$;

create trigger operations_notify_live_insert after insert on public.operations
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live_ops('operations');
create trigger operations_notify_live_update after update on public.operations
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live_ops('operations');
create trigger operation_events_notify_live after insert on public.operation_events
  referencing new table as new_rows for each statement execute function launchpad_private.notify_live_ops('opevents');

revoke execute on function launchpad_private.record_agent_changes() from public, anon, authenticated, service_role;
revoke execute on function launchpad_private.take_live_position() from public, anon, authenticated, service_role;
revoke execute on function launchpad_private.notify_live_ops() from public, anon, authenticated, service_role;

-- Owners read their own changes; only the trigger writes them.
alter table public.agent_changes enable row level security;
create policy agent_changes_select_own on public.agent_changes for select to authenticated
  using ((select auth.uid()) = user_id);

revoke all on table public.agent_changes from public, anon, authenticated, service_role;
revoke all on sequence public.operations_live_seq, public.operation_events_live_seq, public.agent_changes_id_seq
  from public, anon, authenticated, service_role;
grant select on table public.agent_changes to authenticated, service_role;
