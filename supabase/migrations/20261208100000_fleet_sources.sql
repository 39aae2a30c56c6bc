-- The git fleet's source files as the program last read them, per fleet: the agent files, the character files
-- they name, the plugin sets' lockfiles and defaults.yaml (paths relative to the agents directory). The control
-- plane's image carries code only (launchpad/images/control_plane.py), so a one-agent change in git is a change
-- of that agent's stack alone; a deploy worker runs the same program over the git agents as CI last deployed
-- them by writing these files out before it runs the engine (services/deployer/sources.py).
--
-- Written by the program's `up` through a dynamic resource per stack and part (components/providers/
-- fleet_sources.py): each shard stack records its own agents' files ('agents'), the platform (or the only stack)
-- the files every agent shares ('shared'). A set row says a recorder ran, even for no file (a shard whose
-- agents all moved away), so "nothing recorded yet" can be told from "recorded, empty".
--
-- Agent files hold no secret value (they reference config keys and secretKeyRefs), but they are the operator's
-- git, not a user's: no API role reads or writes any of this (RLS on, no policy for them), like deploy_runs.

create table public.fleet_source_sets (
  fleet text not null check (fleet <> ''),
  stack text not null check (stack <> ''),
  part text not null check (part in ('shared', 'agents')),
  -- sha256 over the sorted (path, sha256) list: what the recorder last wrote
  digest text not null check (digest ~ '^[0-9a-f]{64}$'),
  recorded_at timestamptz not null default now(),
  primary key (fleet, stack, part)
);

create table public.fleet_source_files (
  fleet text not null,
  stack text not null,
  part text not null,
  -- relative, inside the agents directory: no absolute path, no `..` segment, no backslash, no NUL
  path text not null check (
    path <> '' and length(path) <= 1024 and path !~ '^/' and path !~ '(^|/)\.\.(/|$)' and path !~ '[\\\x01-\x1f]'
  ),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  recorded_at timestamptz not null default now(),
  primary key (fleet, stack, part, path),
  foreign key (fleet, stack, part) references public.fleet_source_sets (fleet, stack, part) on delete cascade
);

-- A worker reads one fleet's files, newest first (two recorders may hold one path during a move).
create index fleet_source_files_fleet_path_idx on public.fleet_source_files (fleet, path, recorded_at desc);

alter table public.fleet_source_sets enable row level security;
alter table public.fleet_source_files enable row level security;

-- No policy: the API roles reach none of these rows. The program's provider and the deploy workers connect as
-- the table owner (or service_role).
revoke all on table public.fleet_source_sets, public.fleet_source_files
  from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.fleet_source_sets, public.fleet_source_files to service_role;

-- The control plane's API reads them too (services/api/agents/fleet_files.py): the names git's agents take, and
-- defaults.yaml and the lockfiles an API agent is validated with. As its own login role only: a request's
-- queries run as `authenticated` (set local role), which reaches none of it.
grant select on table public.fleet_source_sets, public.fleet_source_files to launchpad_api;
create policy fleet_source_sets_select_api on public.fleet_source_sets for select to launchpad_api using (true);
create policy fleet_source_files_select_api on public.fleet_source_files for select to launchpad_api using (true);
