-- One row per deployed agent, and which secrets it uses (names and locations, never values).

-- Shared by every table with an updated_at column.
create or replace function public.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create table public.agents (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (name ~ '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' and length(name) <= 63),
  tenant text,
  namespace text not null,
  status text not null default 'pending'
    check (status in ('pending', 'deploying', 'deployed', 'failed', 'stopped')),
  replicas integer not null default 1 check (replicas >= 0),
  character jsonb not null default '{}'::jsonb,
  plugins text[] not null default '{}',
  platforms jsonb not null default '{}'::jsonb,
  resources jsonb not null default '{}'::jsonb,
  image text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Leading user_id: this index is also the user_id index the RLS policies need.
  constraint agents_user_id_name_key unique (user_id, name),
  -- Target of the composite foreign keys below: a child row's user_id must be its agent's owner.
  constraint agents_id_user_id_key unique (id, user_id)
);

create trigger agents_set_updated_at before update on public.agents
  for each row execute function public.set_updated_at();

create table public.agent_secrets (
  id uuid primary key default gen_random_uuid(),
  agent_id uuid not null,
  user_id uuid not null,
  env_name text not null check (env_name ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
  source text not null check (source in ('pulumi-config', 'kubernetes-secret')),
  location text not null check (location <> ''),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint agent_secrets_agent_env_key unique (agent_id, env_name),
  constraint agent_secrets_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
);

create index agent_secrets_user_id_idx on public.agent_secrets (user_id);

create trigger agent_secrets_set_updated_at before update on public.agent_secrets
  for each row execute function public.set_updated_at();

alter table public.agents enable row level security;
alter table public.agent_secrets enable row level security;

-- (select auth.uid()) is evaluated once per statement (an InitPlan), not once per row.
create policy agents_select_own on public.agents for select to authenticated
  using ((select auth.uid()) = user_id);
create policy agents_insert_own on public.agents for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy agents_update_own on public.agents for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy agents_delete_own on public.agents for delete to authenticated
  using ((select auth.uid()) = user_id);

create policy agent_secrets_select_own on public.agent_secrets for select to authenticated
  using ((select auth.uid()) = user_id);
create policy agent_secrets_insert_own on public.agent_secrets for insert to authenticated
  with check ((select auth.uid()) = user_id);
create policy agent_secrets_update_own on public.agent_secrets for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy agent_secrets_delete_own on public.agent_secrets for delete to authenticated
  using ((select auth.uid()) = user_id);

-- As Supabase does, the API roles get table privileges and RLS decides which rows. TRUNCATE is left out:
-- row-level security does not apply to it.
grant select, insert, update, delete on public.agents, public.agent_secrets to anon, authenticated;
grant all on public.agents, public.agent_secrets to service_role;

-- Realtime: add tables to the supabase_realtime publication. Idempotent, and a no-op when the publication
-- already covers every table (FOR ALL TABLES). Private schema: PostgREST exposes public functions as RPC.
create schema if not exists launchpad_private;
revoke all on schema launchpad_private from public;

create or replace function launchpad_private.publish_realtime(tables regclass[]) returns void
language plpgsql as $$
declare
  t regclass;
begin
  foreach t in array tables loop
    if not exists (select 1 from pg_publication where pubname = 'supabase_realtime' and puballtables)
       and not exists (select 1 from pg_publication_rel pr join pg_publication p on p.oid = pr.prpubid
                       where p.pubname = 'supabase_realtime' and pr.prrelid = t) then
      execute format('alter publication supabase_realtime add table %s', t);
    end if;
  end loop;
end
$$;
revoke execute on function launchpad_private.publish_realtime(regclass[]) from public;

select launchpad_private.publish_realtime(array['public.agents', 'public.agent_secrets']::regclass[]);
