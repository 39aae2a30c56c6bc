-- The operations queue: every change a user asks for through the API is one `operations` row; the deployer
-- claims the queued operations of one stack together and applies them with ONE `pulumi up` (a `deploy_runs`
-- row, whose lease makes it the only run on that stack), then writes each operation's outcome and its own
-- engine events. Users read their operations and events; only the control plane (the table owner or
-- service_role) writes them. Written with FOR UPDATE SKIP LOCKED rather than a task-queue library: see
-- docs/architecture.md, "Operations queue".

-- One `up` (or a dry run's `preview`) on one stack by one worker. A row stays 'running' while its worker
-- renews the lease; a lease nobody renewed is 'abandoned' (launchpad/db/repository/operations.py
-- recover_expired_leases), and the stack's next run first cancels and refreshes what it left behind, then
-- sets cleaned_at. Not readable through the API: it names workers and stacks, not users.
create table public.deploy_runs (
  id uuid primary key default gen_random_uuid(),
  stack text not null check (stack <> ''),
  action text not null check (action in ('up', 'preview')),
  worker text not null check (worker <> ''),
  state text not null default 'running' check (state in ('running', 'succeeded', 'failed', 'abandoned')),
  heartbeat_at timestamptz not null default now(),
  lease_expires_at timestamptz not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  cleaned_at timestamptz,
  summary jsonb,
  error text,
  constraint deploy_runs_finished check ((state = 'running') = (finished_at is null))
);

-- The lease: at most one running run per stack, whatever its action (self-managed backends lock a stack at
-- `up` only, pulumi/pulumi#13948, and that lock has no expiry, #9253). Claiming inserts here first.
create unique index deploy_runs_one_running_per_stack on public.deploy_runs (stack) where state = 'running';
create index deploy_runs_lease_idx on public.deploy_runs (lease_expires_at) where state = 'running';
create index deploy_runs_uncleaned_idx on public.deploy_runs (stack)
  where state = 'abandoned' and cleaned_at is null;

create table public.operations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  agent_name text not null
    check (agent_name ~ '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' and length(agent_name) <= 63),
  stack text not null check (stack <> ''),
  kind text not null check (kind in ('create', 'update', 'pause', 'resume', 'restart', 'delete')),
  state text not null default 'queued'
    check (state in ('queued', 'running', 'succeeded', 'failed', 'superseded', 'cancelled')),
  dry_run boolean not null default false,
  -- A dry run's agent as an agent file holds it (camelCase), secret values never included.
  candidate jsonb,
  -- The agents.revision this operation asked for (the API's ETag), when it has one.
  agent_revision bigint,
  summary jsonb,
  violations jsonb not null default '[]'::jsonb,
  error_lines text[] not null default '{}',
  -- The run that applied it: operations coalesced into one `up` share it.
  run_id uuid references public.deploy_runs (id) on delete set null,
  attempts integer not null default 0 check (attempts >= 0),
  -- Not claimed before: a retry after a transient failure waits.
  available_at timestamptz not null default now(),
  idempotency_key text check (length(idempotency_key) between 1 and 255),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  constraint operations_user_idempotency_key unique (user_id, idempotency_key),
  -- Target of operation_events' composite foreign key: an event's user_id is its operation's owner.
  constraint operations_id_user_id_key unique (id, user_id),
  constraint operations_candidate_is_dry_run check (candidate is null or dry_run),
  constraint operations_finished check ((state in ('queued', 'running')) = (finished_at is null))
);

-- Leading user_id: the index the RLS policy and a user's list need.
create index operations_user_id_created_at_idx on public.operations (user_id, created_at desc);
-- The claim's scan: queued operations by stack, oldest first.
create index operations_queued_idx on public.operations (stack, created_at) where state = 'queued';
create index operations_run_id_idx on public.operations (run_id);

-- Engine events of an operation, already filtered to its own agent's resources by the deployer (a coalesced
-- `up` carries other agents' events, which other users must never read).
create table public.operation_events (
  operation_id uuid not null,
  user_id uuid not null,
  seq integer not null check (seq >= 0),
  at timestamptz not null default now(),
  kind text not null check (kind <> ''),
  message text not null default '',
  detail jsonb not null default '{}'::jsonb,
  primary key (operation_id, seq),
  constraint operation_events_operation_fkey foreign key (operation_id, user_id)
    references public.operations (id, user_id) on delete cascade
);

create index operation_events_user_id_idx on public.operation_events (user_id);

alter table public.deploy_runs enable row level security;
alter table public.operations enable row level security;
alter table public.operation_events enable row level security;

-- Users read their own; nothing else. No policy on deploy_runs: the API roles reach none of its rows.
create policy operations_select_own on public.operations for select to authenticated
  using ((select auth.uid()) = user_id);
create policy operation_events_select_own on public.operation_events for select to authenticated
  using ((select auth.uid()) = user_id);

-- Explicit privileges (as 20261124000000_explicit_privileges.sql): whatever the default privileges gave,
-- take all back, then grant exactly what the policies serve. Operations are written by the control plane
-- (as the owner or service_role) in the same transaction as the agent row they change.
revoke all on table public.deploy_runs, public.operations, public.operation_events
  from public, anon, authenticated, service_role;
grant select on table public.operations, public.operation_events to authenticated;
grant select, insert, update, delete on table public.deploy_runs, public.operations, public.operation_events
  to service_role;

-- The dashboard follows operations and their events live (Realtime respects RLS for subscribers).
select launchpad_private.publish_realtime(array['public.operations', 'public.operation_events']::regclass[]);
