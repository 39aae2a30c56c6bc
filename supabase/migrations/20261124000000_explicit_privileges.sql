-- Privileges that hold whatever the database's default privileges are.
--
-- On hosted Supabase, default privileges in schema public (supabase/postgres
-- migrations/db/init-scripts/00000000000000-initial-schema.sql) give anon, authenticated and service_role ALL
-- on every table, function and sequence postgres creates there, partitions included. ALL means TRUNCATE,
-- which row-level security does not govern; REFERENCES, TRIGGER and MAINTAIN; and direct access to a
-- partition, which has no policies of its own. The earlier files only added grants, so on Supabase
-- everything else stayed. Here every table's privileges are spelled out: all revoked, then exactly what
-- its policies serve.

revoke all on table public.agents, public.agent_secrets, public.agent_metrics, public.agent_logs,
  public.system_alerts, public.security_events
  from public, anon, authenticated, service_role;

-- Every policy is `to authenticated`: anon, with no policy, gets no privilege either.
grant select, insert, update, delete on table public.agents, public.agent_secrets, public.agent_metrics,
  public.agent_logs, public.system_alerts
  to authenticated;
-- Append-only for users: their policies allow reading and adding their own events, nothing else.
grant select, insert on table public.security_events to authenticated;
-- The backend bypasses row-level security; it never needs TRUNCATE (retention drops partitions with
-- public.drop_time_partitions).
grant select, insert, update, delete on table public.agents, public.agent_secrets, public.agent_metrics,
  public.agent_logs, public.system_alerts, public.security_events
  to service_role;

-- Partitions are reached through their parent only, where its policies apply. Take back what default
-- privileges gave the existing ones; create_time_partitions does the same for every partition it creates.
do $$
declare
  part regclass;
begin
  for part in
    select i.inhrelid::regclass from pg_inherits i
    where i.inhparent in ('public.agent_metrics'::regclass, 'public.agent_logs'::regclass)
  loop
    execute format('revoke all on table %s from public, anon, authenticated, service_role', part);
  end loop;
end
$$;

-- As in 20250601000200_agent_telemetry.sql, plus the revoke right after each partition is created (in the
-- same transaction: there is no moment when the API roles hold privileges on it).
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
      execute format('revoke all on table public.%I from public, anon, authenticated, service_role', child);
      created := created + 1;
    end if;
  end loop;
  return created;
end
$$;

-- Trigger functions fire without EXECUTE privilege; nobody needs to call them. (Default privileges gave
-- the API roles EXECUTE on Supabase, PostgreSQL gives it to PUBLIC.)
revoke execute on function public.set_updated_at(), public.security_events_append_only()
  from public, anon, authenticated, service_role;
