-- The control plane queues the operation of every change in the same transaction as the change itself
-- (CONTRACT: enqueue), as its own role `launchpad_api` (20261207300000_api_agents.sql), under a policy bound
-- to the user in the verified claims; users still only read their operations (PostgREST's `authenticated`).
grant insert (user_id, agent_name, stack, kind, dry_run, candidate, agent_revision, idempotency_key)
  on table public.operations to launchpad_api;
create policy operations_insert_api on public.operations for insert to launchpad_api
  with check (state = 'queued' and ((select auth.uid()) = user_id
              or ((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin'));

-- Administrators read every operation and its events, as they read every agent.
create policy operations_select_admin on public.operations for select to authenticated
  using (((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
create policy operation_events_select_admin on public.operation_events for select to authenticated
  using (((select auth.jwt()) #>> '{app_metadata,launchpad,role}') = 'admin');
