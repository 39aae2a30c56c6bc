-- Time series of the agents: range-partitioned by day so retention drops whole partitions (no bulk DELETE,
-- no vacuum debt). There is no default partition: rows outside the created range are refused loudly rather
-- than piling up where retention cannot drop them. Call public.create_time_partitions daily (pg_cron on
-- Supabase, or the platform's scheduler) to stay ahead.

create table public.agent_metrics (
  id uuid not null default gen_random_uuid(),
  agent_id uuid not null,
  user_id uuid not null,
  name text not null,
  value double precision not null,
  labels jsonb not null default '{}'::jsonb,
  recorded_at timestamptz not null default now(),
  primary key (id, recorded_at),
  constraint agent_metrics_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
) partition by range (recorded_at);

-- Serves both RLS (user_id) and "a user's latest metrics" (ordered scan, no sort).
create index agent_metrics_user_id_recorded_at_idx on public.agent_metrics (user_id, recorded_at desc);

create table public.agent_logs (
  id uuid not null default gen_random_uuid(),
  agent_id uuid not null,
  user_id uuid not null,
  level text not null check (level in ('debug', 'info', 'warn', 'error', 'fatal')),
  message text not null,
  context jsonb not null default '{}'::jsonb,
  logged_at timestamptz not null default now(),
  primary key (id, logged_at),
  constraint agent_logs_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
) partition by range (logged_at);

create index agent_logs_user_id_logged_at_idx on public.agent_logs (user_id, logged_at desc);

-- Creates the missing daily partitions [day, day + 1) for `days` days from start_day (UTC days).
-- Returns how many it created. Limited to the two time-series tables because it runs as the owner.
create or replace function public.create_time_partitions(parent regclass, start_day date, days integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  d date;
  created integer := 0;
  child text;
begin
  if parent not in ('public.agent_metrics'::regclass, 'public.agent_logs'::regclass) then
    raise exception 'create_time_partitions: % is not a time-series table', parent;
  end if;
  for i in 0 .. days - 1 loop
    d := start_day + i;
    child := format('%s_p%s', (select relname from pg_class where oid = parent), to_char(d, 'YYYYMMDD'));
    if to_regclass(format('public.%I', child)) is null then
      execute format(
        'create table public.%I partition of %s for values from (%L) to (%L)',
        child, parent, (d::timestamp at time zone 'UTC'), ((d + 1)::timestamp at time zone 'UTC'));
      created := created + 1;
    end if;
  end loop;
  return created;
end
$$;

-- Retention: drops every partition of parent whose whole range lies before older_than. Returns the
-- dropped partitions' names. Reads the bounds from the catalog, not from partition names.
create or replace function public.drop_time_partitions(parent regclass, older_than timestamptz)
returns setof text
language plpgsql
security definer
set search_path = ''
as $$
declare
  part record;
begin
  if parent not in ('public.agent_metrics'::regclass, 'public.agent_logs'::regclass) then
    raise exception 'drop_time_partitions: % is not a time-series table', parent;
  end if;
  for part in
    select c.oid::regclass::text as child,
           (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz as upper_bound
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    where i.inhparent = parent
  loop
    if part.upper_bound is not null and part.upper_bound <= older_than then
      execute format('drop table %s', part.child);
      return next part.child;
    end if;
  end loop;
end
$$;

revoke execute on function public.create_time_partitions(regclass, date, integer) from public, anon, authenticated;
revoke execute on function public.drop_time_partitions(regclass, timestamptz) from public, anon, authenticated;
grant execute on function public.create_time_partitions(regclass, date, integer) to service_role;
grant execute on function public.drop_time_partitions(regclass, timestamptz) to service_role;

-- Yesterday (late writers) through a week ahead.
select public.create_time_partitions('public.agent_metrics', (now() at time zone 'UTC')::date - 1, 9);
select public.create_time_partitions('public.agent_logs', (now() at time zone 'UTC')::date - 1, 9);

alter table public.agent_metrics enable row level security;
alter table public.agent_logs enable row level security;

create policy agent_metrics_select_own on public.agent_metrics for select to authenticated
  using ((select auth.uid()) = user_id);
create policy agent_metrics_insert_own on public.agent_metrics for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy agent_metrics_update_own on public.agent_metrics for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy agent_metrics_delete_own on public.agent_metrics for delete to authenticated
  using ((select auth.uid()) = user_id);

create policy agent_logs_select_own on public.agent_logs for select to authenticated
  using ((select auth.uid()) = user_id);
create policy agent_logs_insert_own on public.agent_logs for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy agent_logs_update_own on public.agent_logs for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy agent_logs_delete_own on public.agent_logs for delete to authenticated
  using ((select auth.uid()) = user_id);

-- Privileges on the parent only: partitions get none, so reading a partition directly (which would skip
-- the parent's policies) is refused for the API roles.
grant select, insert, update, delete on public.agent_metrics, public.agent_logs to anon, authenticated;
grant all on public.agent_metrics, public.agent_logs to service_role;

select launchpad_private.publish_realtime(array['public.agent_metrics', 'public.agent_logs']::regclass[]);
