-- Agents from two sources, one fleet (docs/api/README.md, "One fleet"): an agent file in git, registered by
-- the Pulumi program, or an agent created through the control-plane API (services/api), whose desired state
-- the program reads back from here. And who may write what: users read their rows through Supabase's data
-- API (PostgREST); every change to an agent goes through the control plane, which validates it with the
-- same loader and rules as an agent file and queues the `up` that applies it.

-- 1. The columns of the two sources.
alter table public.agents
  add column source text not null default 'git' check (source in ('git', 'api')),
  -- git agents: the agent file (as `validate` names it), so the API can say which file holds a name.
  add column source_file text,
  -- api agents: the agent exactly as an agent YAML file would hold it (camelCase), never a secret value.
  add column spec jsonb,
  -- Bumped on every change of the desired state: the API's ETag (If-Match on PATCH).
  add column revision bigint not null default 1 check (revision >= 1),
  add column paused boolean not null default false,
  -- The fleet (its root stack: dev, local, prod) whose program loads the api agent, and the stack whose
  -- `up` applies it (launchpad/stacks/placement.py: the fleet stack, or its shard).
  add column fleet text,
  add column stack text,
  -- A restart asked through the API: the pod template carries it, so a new value rolls the pods.
  add column restarted_at timestamptz,
  add constraint agents_spec_only_for_api check ((source = 'api') = (spec is not null)),
  add constraint agents_api_placement check (source = 'git' or (fleet is not null and stack is not null));

-- The program loads a fleet's api agents with one query.
create index agents_api_fleet_idx on public.agents (fleet, name) where source = 'api';

-- Names are unique across owners and sources: an agent's name is its Kubernetes names (namespace
-- agent-<name>, Deployment <name>), which one cluster holds once. (user_id, name) stays unique too: it is
-- the registry's upsert key and the leading user_id index of the policies.
create unique index agents_name_key on public.agents (name);

-- 2. The lifecycle (CONTRACT: pending -> deploying -> running | failed, paused, deleting). Rows the program
-- registered as 'deployed' are running; nothing wrote 'stopped', which meant paused.
alter table public.agents drop constraint agents_status_check;
update public.agents set status = 'running' where status = 'deployed';
update public.agents set status = 'paused' where status = 'stopped';
alter table public.agents add constraint agents_status_check
  check (status in ('pending', 'deploying', 'running', 'failed', 'paused', 'deleting'));

-- 3. Secret names of api agents: their values were posted to the API and are kept encrypted below.
alter table public.agent_secrets drop constraint agent_secrets_source_check;
alter table public.agent_secrets add constraint agent_secrets_source_check
  check (source in ('pulumi-config', 'kubernetes-secret', 'api'));

-- 4. The values users post (environment, a database URL with a password): AES-256-GCM ciphertext sealed
-- with a key the API and the deploying program hold (launchpad/sealed.py), bound to owner, agent and name.
-- No API role may read a ciphertext: the program reads them as the owner, through the stack's databaseUrl.
create table public.agent_secret_values (
  agent_id uuid not null,
  user_id uuid not null,
  env_name text not null check (env_name ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
  key_id text not null check (key_id ~ '^[0-9a-f]{16}$'),
  ciphertext bytea not null,
  created_at timestamptz not null default now(),
  constraint agent_secret_values_pkey primary key (agent_id, env_name),
  constraint agent_secret_values_agent_fkey foreign key (agent_id, user_id)
    references public.agents (id, user_id) on delete cascade
);
create index agent_secret_values_user_id_idx on public.agent_secret_values (user_id);
alter table public.agent_secret_values enable row level security;

-- 5. Idempotency-Key of POST /api/agents: a retried request gets the first answer back (24 hours).
-- `fingerprint` is an HMAC of the request (keyed: the body holds secrets), `response` holds no secret.
create table public.api_idempotency_keys (
  user_id uuid not null references auth.users (id) on delete cascade,
  key text not null check (length(key) between 1 and 255),
  fingerprint text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  constraint api_idempotency_keys_pkey primary key (user_id, key)
);
alter table public.api_idempotency_keys enable row level security;

-- 6. Who writes what. Column by column, what `authenticated` (a user, through PostgREST with their own
-- token) may change directly in their own agents rows: nothing.
--   - name, tenant, character, plugins, platforms, resources, replicas, image, spec, paused: the agent's
--     desired state. A change must be validated by the loader and rules (a file in git is) and deployed by
--     an operation; written directly it would bypass both, and the next `up` would deploy it unchecked.
--   - namespace, stack, fleet, source, source_file, revision, restarted_at: where and how the control plane
--     deploys it; status: the lifecycle the control plane and the deployer write.
--   - user_id, id, created_at, updated_at: identity and bookkeeping.
-- Deleting a row is an operation too (its Kubernetes objects go first), and agent_secrets rows are the
-- registry's names of where secrets live. Users keep SELECT on both, through their policies.
revoke insert, update, delete on table public.agents, public.agent_secrets from authenticated;
drop policy agents_insert_own on public.agents;
drop policy agents_update_own on public.agents;
drop policy agents_delete_own on public.agents;
drop policy agent_secrets_insert_own on public.agent_secrets;
drop policy agent_secrets_update_own on public.agent_secrets;
drop policy agent_secrets_delete_own on public.agent_secrets;
revoke all on table public.agent_secret_values, public.api_idempotency_keys
  from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.api_idempotency_keys to service_role;

-- Platform administrators: `app_metadata.launchpad.role = "admin"` in the token. app_metadata is written
-- by the service role only (user_metadata is the user's own: never a source of authority).
create policy agents_select_admin on public.agents for select to authenticated
  using (((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
create policy agent_secrets_select_admin on public.agent_secrets for select to authenticated
  using (((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');

-- 7. The control plane's own role. The API logs in as `launchpad_api`: a member of `authenticated`, so
-- it reads exactly as PostgREST does (`set local role authenticated` with the verified claims), and it
-- holds, itself, the writes users may not make, each under a policy bound to the user in the claims
-- (auth.uid()), so even the API cannot write another user's rows with a user's token. PostgREST never
-- switches to it: the `authenticator` login is not a member. Give it a password to log in remotely:
-- `alter role launchpad_api password '...'` (the dev stack's server trusts loopback).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'launchpad_api') then
    create role launchpad_api login inherit;
  end if;
end
$$;
grant authenticated to launchpad_api;

grant insert (user_id, name, tenant, namespace, status, replicas, character, plugins, platforms, resources,
              image, source, spec, revision, paused, fleet, stack)
  on table public.agents to launchpad_api;
grant update (tenant, namespace, status, replicas, character, plugins, platforms, resources, image, spec,
              revision, paused, fleet, stack, restarted_at)
  on table public.agents to launchpad_api;
grant insert, delete on table public.agent_secrets to launchpad_api;
-- Never the ciphertext: the API seals values and forgets them.
grant select (agent_id, user_id, env_name, key_id, created_at), insert, delete
  on table public.agent_secret_values to launchpad_api;
grant select, insert, delete on table public.api_idempotency_keys to launchpad_api;

create policy agents_insert_api on public.agents for insert to launchpad_api
  with check ((select auth.uid()) = user_id and source = 'api');
create policy agents_update_api on public.agents for update to launchpad_api
  using (source = 'api' and ((select auth.uid()) = user_id
         or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin'))
  with check (source = 'api');
create policy agent_secrets_insert_api on public.agent_secrets for insert to launchpad_api
  with check (source = 'api' and ((select auth.uid()) = user_id
              or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin'));
create policy agent_secrets_delete_api on public.agent_secrets for delete to launchpad_api
  using (source = 'api' and ((select auth.uid()) = user_id
         or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin'));
create policy agent_secret_values_select_api on public.agent_secret_values for select to launchpad_api
  using ((select auth.uid()) = user_id or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
create policy agent_secret_values_insert_api on public.agent_secret_values for insert to launchpad_api
  with check ((select auth.uid()) = user_id or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
create policy agent_secret_values_delete_api on public.agent_secret_values for delete to launchpad_api
  using ((select auth.uid()) = user_id or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
create policy api_idempotency_keys_select_api on public.api_idempotency_keys for select to launchpad_api
  using ((select auth.uid()) = user_id);
create policy api_idempotency_keys_insert_api on public.api_idempotency_keys for insert to launchpad_api
  with check ((select auth.uid()) = user_id);
create policy api_idempotency_keys_delete_api on public.api_idempotency_keys for delete to launchpad_api
  using ((select auth.uid()) = user_id);

-- Names are global, rows are not: who holds a name, without saying who owns it (the source, and the file
-- for a git agent, which the API names in its 409). Private schema: PostgREST does not expose it.
create function launchpad_private.agent_name_holder(agent_name text)
returns table (source text, source_file text)
language sql
stable
security definer
set search_path = ''
as $$
  select a.source, a.source_file from public.agents a where a.name = agent_name
$$;
revoke execute on function launchpad_private.agent_name_holder(text) from public, anon, authenticated, service_role;
grant usage on schema launchpad_private to launchpad_api;
grant execute on function launchpad_private.agent_name_holder(text) to launchpad_api;
