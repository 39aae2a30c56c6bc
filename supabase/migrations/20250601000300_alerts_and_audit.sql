-- Alerts raised for a user's agents, and the security audit log.

create table public.system_alerts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  agent_id uuid,
  severity text not null check (severity in ('info', 'warning', 'critical')),
  title text not null,
  message text not null default '',
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint system_alerts_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
);

create index system_alerts_user_id_created_at_idx on public.system_alerts (user_id, created_at desc);

create trigger system_alerts_set_updated_at before update on public.system_alerts
  for each row execute function public.set_updated_at();

-- Append-only: users may read and add their own events; only service_role may change or remove any.
-- No foreign keys: the audit trail outlives the users and agents it mentions (a cascade would also be a
-- DELETE, which the append-only guard refuses, and so would block deleting a user).
create table public.security_events (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  agent_id uuid,
  event_type text not null,
  severity text not null default 'info' check (severity in ('info', 'warning', 'critical')),
  details jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null default now()
);

create index security_events_user_id_occurred_at_idx on public.security_events (user_id, occurred_at desc);

-- The guard holds even for roles that get UPDATE/DELETE privileges later: only service_role passes it.
create or replace function public.security_events_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user <> 'service_role' then
    raise exception 'security_events is append-only: % is not allowed for role %', tg_op, current_user
      using errcode = 'insufficient_privilege';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;

create trigger security_events_append_only before update or delete on public.security_events
  for each row execute function public.security_events_append_only();
create trigger security_events_no_truncate before truncate on public.security_events
  for each statement execute function public.security_events_append_only();

alter table public.system_alerts enable row level security;
alter table public.security_events enable row level security;

create policy system_alerts_select_own on public.system_alerts for select to authenticated
  using ((select auth.uid()) = user_id);
create policy system_alerts_insert_own on public.system_alerts for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy system_alerts_update_own on public.system_alerts for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy system_alerts_delete_own on public.system_alerts for delete to authenticated
  using ((select auth.uid()) = user_id);

create policy security_events_select_own on public.security_events for select to authenticated
  using ((select auth.uid()) = user_id);
create policy security_events_insert_own on public.security_events for insert to authenticated
  with check ((select auth.uid()) = user_id);

grant select, insert, update, delete on public.system_alerts to anon, authenticated;
grant select, insert on public.security_events to anon, authenticated;
grant all on public.system_alerts, public.security_events to service_role;

select launchpad_private.publish_realtime(array['public.system_alerts', 'public.security_events']::regclass[]);
