"""A database that behaves like a hosted Supabase project, built from what Supabase's own sources say.

Not a copy of those sources: the smallest SQL that reproduces what our migrations meet there. Every fact
names the file it comes from, in
- supabase/postgres (`migrations/db/migrate.sh`, `migrations/db/init-scripts/*.sql`,
  `migrations/db/migrations/*.sql`): how the image builds a project database;
- supabase/auth (`migrations/*.up.sql`): what GoTrue, connected as `supabase_auth_admin`, defines in `auth`.

The order of events upstream: migrate.sh creates `postgres` as a superuser owning database `postgres`, runs
the init scripts AS `postgres` (so "alter default privileges in schema public" there are `postgres`'s own),
then runs the migrations as `supabase_admin`, the first of which (10000000000000_demote-postgres.sql) takes
superuser away from `postgres`. We reach the same end state directly, as `supabase_admin`.

Roles are cluster-wide, and PostgreSQL will not demote its bootstrap superuser, so this lives in a second
cluster of the same embedded PostgreSQL whose bootstrap superuser is `supabase_admin`
(init-scripts/00000000000000-initial-schema.sql: `alter user supabase_admin with superuser createdb
createrole replication bypassrls`; initdb gives the bootstrap user all of that).
"""

from __future__ import annotations

ADMIN = "supabase_admin"
CLIENT = "postgres"  # what a Supabase user connects as, and what `migrate` runs as here

# Once per cluster, as supabase_admin.
ROLES = """
-- migrate.sh creates postgres; migrations/10000000000000_demote-postgres.sql:
--   ALTER ROLE postgres NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;
create role postgres nosuperuser createdb createrole login replication bypassrls;
-- init-scripts/00000000000003-post-setup.sql
alter role postgres set search_path to "$user", public, extensions;

-- init-scripts/00000000000000-initial-schema.sql: the API roles, and the login PostgREST uses
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
-- migrations/20230529180330_alter_api_roles_for_inherit.sql
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;
-- initial-schema.sql: create user authenticator noinherit; grant anon, authenticated, service_role (and
-- supabase_admin, revoked by migrations/20221103090837_revoke_admin.sql) to authenticator
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;

-- init-scripts/00000000000001-auth-schema.sql: CREATE USER supabase_auth_admin NOINHERIT CREATEROLE LOGIN
-- NOREPLICATION; migrations/20260821154147_revoke_createrole_from_auth_admin.sql: nocreaterole
create role supabase_auth_admin noinherit nocreaterole login noreplication;
alter role supabase_auth_admin set search_path = auth;

-- migrations/20230201083204_grant_auth_roles_to_postgres.sql, and with admin option since
-- migrations/20250605172253_grant_with_admin_to_postgres_16_and_above.sql (PostgreSQL >= 16)
grant anon, authenticated, service_role to postgres with admin option;
-- migrations/20230306081037_grant_pg_monitor_to_postgres.sql,
-- migrations/20240606060239_grant_predefined_roles_to_postgres.sql
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
-- Not granted on purpose: supabase_auth_admin (granted to postgres by
-- migrations/20220609081115_grant-supabase-auth-admin-and-supabase-storage-admin-to-postgres.sql, revoked by
-- migrations/20250421084701_revoke_admin_roles_from_postgres.sql).
"""

# Once per database (built in a template that test databases are copied from), as supabase_admin.
DATABASE = """
-- initial-schema.sql, run as postgres: the publication Realtime reads, owned by postgres
set role postgres;
create publication supabase_realtime;
reset role;

-- initial-schema.sql: public for the API roles, and ALL on every table, function and sequence that
-- postgres (the init scripts' "in schema public", run as postgres) or supabase_admin creates there later
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public
  grant all on sequences to postgres, anon, authenticated, service_role;

-- auth-schema.sql: CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_admin; the users table (here the
-- columns this project and its tests touch, of the ~20 there), owned by supabase_auth_admin
create schema auth authorization supabase_admin;
create table auth.users (
  instance_id uuid null,
  id uuid not null unique,
  aud varchar(255) null,
  "role" varchar(255) null,
  email varchar(255) null unique,
  encrypted_password varchar(255) null,
  raw_app_meta_data jsonb null,
  raw_user_meta_data jsonb null,
  created_at timestamptz null,
  updated_at timestamptz null,
  constraint users_pkey primary key (id)
);
alter table auth.users owner to supabase_auth_admin;
grant usage on schema auth to anon, authenticated, service_role;
grant all privileges on schema auth to supabase_auth_admin;

-- The functions as supabase/auth defines them today, created by supabase_auth_admin (GoTrue runs its
-- migrations as that role; supabase/postgres migrations/20211124212715_update-auth-owner.sql re-owned the
-- init script's older versions to it). uid() and role(): supabase/auth
-- migrations/20220224000811_update_auth_functions.up.sql; jwt(): 20220531120530_add_auth_jwt_function.up.sql
set role supabase_auth_admin;
create or replace function auth.uid() returns uuid language sql stable as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
create or replace function auth.role() returns text language sql stable as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;
reset role;

-- demote-postgres.sql: GRANT ALL ON SCHEMA auth / ALL TABLES / ALL SEQUENCES / ALL ROUTINES IN SCHEMA auth
-- TO postgres; then migrations/20250421084701_revoke_admin_roles_from_postgres.sql: revoke create on schema
-- auth from postgres. What is left on the schema is USAGE.
grant all on schema auth to postgres;
grant all on all tables in schema auth to postgres;
grant all on all sequences in schema auth to postgres;
grant all on all routines in schema auth to postgres;
revoke create on schema auth from postgres;
-- migrations/20211115181400_update-auth-permissions.sql: what supabase_auth_admin creates later, too
alter default privileges for role supabase_auth_admin in schema auth grant all on tables to postgres;
alter default privileges for role supabase_auth_admin in schema auth grant all on sequences to postgres;
alter default privileges for role supabase_auth_admin in schema auth grant all on routines to postgres;
"""
