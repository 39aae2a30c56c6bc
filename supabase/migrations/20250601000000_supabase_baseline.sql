-- Supabase baseline, for targets that are not a Supabase project (the dev stack's local Postgres, a plain
-- PostgreSQL 15+). On a Supabase project all of it exists already and this file changes nothing.
--
-- Every object is looked up in the catalog before it is created: `create ... if not exists` checks the
-- privilege before existence, and on hosted Supabase `postgres` (what users connect as, not a superuser)
-- has no CREATE on schema auth (supabase/postgres migration 20250421084701_revoke_admin_roles_from_postgres),
-- so even `create table if not exists auth.users` fails there. What Supabase owns (its roles, schema auth,
-- auth.users, auth.uid(), auth.jwt()) is never re-owned, replaced or re-granted: grants happen only on
-- what this file has just created.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  -- service_role is the backend's role: it bypasses row-level security, as on Supabase.
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

do $$
begin
  if to_regnamespace('auth') is null then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;

  -- Only the columns this project reads; a real Supabase's auth.users has many more and is kept as it is.
  if to_regclass('auth.users') is null then
    create table auth.users (
      id uuid primary key default gen_random_uuid(),
      email text unique,
      created_at timestamptz not null default now()
    );
  end if;

  -- Supabase's definitions (supabase/auth migrations 20220224000811_update_auth_functions for uid(),
  -- 20220531120530_add_auth_jwt_function for jwt()): the older per-claim setting request.jwt.claim.sub
  -- wins, else the sub of the request.jwt.claims JSON; empty settings count as unset.
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
    language sql stable
    as $body$
      select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $body$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;
  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
    language sql stable
    as $body$
      select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $body$;
    grant execute on function auth.jwt() to anon, authenticated, service_role;
  end if;

  -- PostgreSQL 15+ gives PUBLIC usage on schema public, Supabase grants it to the API roles; a database
  -- whose public schema was locked down gets it here, for the API roles only.
  if not has_schema_privilege('authenticated', 'public', 'usage') then
    grant usage on schema public to anon, authenticated, service_role;
  end if;
end
$$;

-- Realtime listens on this publication; Supabase creates it, a plain Postgres does not have it.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
