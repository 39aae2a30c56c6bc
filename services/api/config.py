"""What the API is given: its database login, how to verify Supabase access tokens, the key that seals the
secret values users post, and the fleet it adds agents to. From the environment (a Deployment's env and
Secret references) or `python -m launchpad api serve` flags; nothing secret is ever printed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV
from launchpad.errors import UserError
from launchpad.sealed import Keyring, parse_keyring
from launchpad.settings import StackSettings, parse_settings
from launchpad.stacks.stack_files import plain_config, stack_file

# Environment variables (the platform's Deployment sets them from Secrets).
# A login of role launchpad_api, never the owner (every control-plane service reads its database here:
# launchpad/controlplane/services.py).
DATABASE_URL_ENV = "LAUNCHPAD_DATABASE_URL"
SECRETS_KEY_ENV = "LAUNCHPAD_API_SECRETS_KEY"  # the stack's apiSecretsKey keyring (launchpad/sealed.py)
JWT_SECRET_ENV = "SUPABASE_JWT_SECRET"  # the project's legacy HS256 secret, if tokens are still signed with it
JWKS_URL_ENV = "SUPABASE_JWKS_URL"  # https://<ref>.supabase.co/auth/v1/.well-known/jwks.json
ISSUER_ENV = "SUPABASE_JWT_ISSUER"  # https://<ref>.supabase.co/auth/v1
AUDIENCE_ENV = "SUPABASE_JWT_AUDIENCE"  # authenticated
STACK_ENV = "LAUNCHPAD_STACK"  # the fleet's stack: dev, local, prod
PROJECT_DIR_ENV = "LAUNCHPAD_PROJECT_DIR"  # where Pulumi.<stack>.yaml and the agents directory are
# The dashboard (services/dashboard, served by this API): the stack's Supabase project for auth-js (the anon key
# is public by design: it is in every browser that loads the page), and where the built files are.
SUPABASE_URL_ENV = "SUPABASE_URL"  # https://<ref>.supabase.co
SUPABASE_ANON_KEY_ENV = "SUPABASE_ANON_KEY"
OAUTH_PROVIDERS_ENV = "LAUNCHPAD_DASHBOARD_OAUTH_PROVIDERS"  # e.g. "github,google": the ones the project enables
MAGIC_LINK_ENV = "LAUNCHPAD_DASHBOARD_MAGIC_LINK"  # "true": offer the emailed sign-in link
DASHBOARD_DIR_ENV = "LAUNCHPAD_DASHBOARD_DIR"  # default: services/dashboard/dist beside this package
# The dev-only sign-in (stack setting devSignIn; contracts.DEV_SIGN_IN_ENV turns it on): dev users get a bare
# auth.users row through this login of the database's owner, and nothing else uses it.
DEFAULT_DASHBOARD_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "dist"


class ConfigError(UserError):
    pass


@dataclass(frozen=True)
class AuthConfig:
    issuer: str
    audience: str = "authenticated"
    hs256_secret: bytes | None = None
    jwks_url: str | None = None
    leeway_seconds: int = 30  # PostgREST's allowed clock skew
    jwks_lifespan_seconds: float = 600  # Supabase Auth's Cache-Control max-age on the JWKS
    jwks_cooldown_seconds: float = 30  # at most one refetch for an unknown kid per cooldown

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ConfigError(f"{ISSUER_ENV}: the issuer every token must name (https://<ref>.supabase.co/auth/v1)")
        if self.hs256_secret is None and self.jwks_url is None:
            raise ConfigError(f"give {JWKS_URL_ENV} (signing keys) or {JWT_SECRET_ENV} (legacy secret), or both")
        if self.hs256_secret is not None and len(self.hs256_secret) < 32:
            raise ConfigError(f"{JWT_SECRET_ENV}: shorter than 32 characters (Supabase's are 40 or more)")

    def __repr__(self) -> str:  # never the secret
        return f"AuthConfig(issuer={self.issuer!r}, jwks_url={self.jwks_url!r}, hs256={self.hs256_secret is not None})"


@dataclass(frozen=True)
class FleetConfig:
    """The fleet the API adds agents to: its root stack, its settings and its agents directory."""

    stack: str
    settings: StackSettings
    agents_dir: Path


@dataclass(frozen=True)
class DashboardConfig:
    """What the dashboard's page is told about the stack (its public settings) and where its files are."""

    files: Path = DEFAULT_DASHBOARD_DIR
    supabase_url: str | None = None
    supabase_anon_key: str | None = None
    oauth_providers: tuple[str, ...] = ()
    magic_link: bool = False

    def __post_init__(self) -> None:
        if self.supabase_url is not None and not re.match(r"^https?://[^/\s]+/?$", self.supabase_url):
            raise ConfigError(f"{SUPABASE_URL_ENV}: the project's URL, e.g. https://<ref>.supabase.co (no path)")
        if (self.supabase_url is None) != (self.supabase_anon_key is None):
            raise ConfigError(f"give both {SUPABASE_URL_ENV} and {SUPABASE_ANON_KEY_ENV}, or neither")
        for provider in self.oauth_providers:
            if not re.match(r"^[a-z0-9_]{2,32}$", provider):
                raise ConfigError(f"{OAUTH_PROVIDERS_ENV}: {provider!r} is not a Supabase provider name "
                                  "(github, google, ...)")


@dataclass(frozen=True)
class DevSignInConfig:
    """The dev-only sign-in: tokens minted with the auth config's HS256 secret for any email."""

    users_database_url: str

    def __repr__(self) -> str:  # never the URL (it may hold a password)
        return "DevSignInConfig()"


@dataclass(frozen=True)
class ApiConfig:
    database_url: str
    auth: AuthConfig
    keyring: Keyring
    fleet: FleetConfig
    pool_size: int = 10
    extra: dict[str, str] = field(default_factory=dict)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    dev_sign_in: DevSignInConfig | None = None

    def __post_init__(self) -> None:
        if self.dev_sign_in is not None:
            if not self.fleet.settings.devSignIn:
                raise ConfigError(f"{DEV_SIGN_IN_ENV}=true, but Pulumi.{self.fleet.stack}.yaml does not allow the dev "
                                  "sign-in (agent-launchpad:devSignIn, dev stacks only)")
            if self.auth.hs256_secret is None:
                raise ConfigError(f"the dev sign-in mints HS256 tokens: give {JWT_SECRET_ENV}")

    def __repr__(self) -> str:
        return f"ApiConfig(fleet={self.fleet.stack!r}, auth={self.auth!r})"


def read_fleet(project: Path, stack: str) -> FleetConfig:
    """The fleet's settings from its stack file; API agents need a database (the program reads them there)."""
    path = stack_file(project, stack)
    if not path.is_file():
        raise ConfigError(f"{path}: no such stack file: the API adds agents to an existing fleet stack")
    settings = parse_settings({k: v for k, v in plain_config(path).items() if k in StackSettings.model_fields}, stack)
    if settings.platform is not None:
        raise ConfigError(f"{path.name}: {stack} is a shard stack: give the API its platform, {settings.platform}")
    if not settings.database:
        raise ConfigError(f"{path.name}: agent-launchpad:database is false: the program would never see agents "
                          "created through the API (it reads them from that database)")
    return FleetConfig(stack, settings, (project / settings.agentsDir).resolve())


def from_env(env: dict[str, str] | None = None) -> ApiConfig:
    env = dict(os.environ if env is None else env)
    missing = [k for k in (DATABASE_URL_ENV, SECRETS_KEY_ENV, ISSUER_ENV, STACK_ENV) if not env.get(k)]
    if missing:
        raise ConfigError("missing setting(s): " + ", ".join(missing))
    secret = env.get(JWT_SECRET_ENV)
    auth = AuthConfig(
        issuer=env[ISSUER_ENV],
        audience=env.get(AUDIENCE_ENV) or "authenticated",
        hs256_secret=secret.encode() if secret else None,
        jwks_url=env.get(JWKS_URL_ENV) or None,
    )
    project = Path(env.get(PROJECT_DIR_ENV) or ".").resolve()
    dev_sign_in = None
    if env.get(DEV_SIGN_IN_ENV, "").lower() == "true":
        if not env.get(DEV_SIGN_IN_DATABASE_URL_ENV):
            raise ConfigError(f"{DEV_SIGN_IN_ENV}=true needs {DEV_SIGN_IN_DATABASE_URL_ENV} (the database owner's "
                              "login, to add dev users to auth.users)")
        dev_sign_in = DevSignInConfig(env[DEV_SIGN_IN_DATABASE_URL_ENV])
    return ApiConfig(
        database_url=env[DATABASE_URL_ENV],
        auth=auth,
        keyring=parse_keyring(env[SECRETS_KEY_ENV], SECRETS_KEY_ENV),
        fleet=read_fleet(project, env[STACK_ENV]),
        dashboard=dashboard_from_env(env),
        dev_sign_in=dev_sign_in,
    )


def dashboard_from_env(env: dict[str, str]) -> DashboardConfig:
    providers = tuple(p.strip() for p in env.get(OAUTH_PROVIDERS_ENV, "").split(",") if p.strip())
    return DashboardConfig(
        files=Path(env[DASHBOARD_DIR_ENV]).resolve() if env.get(DASHBOARD_DIR_ENV) else DEFAULT_DASHBOARD_DIR,
        supabase_url=env.get(SUPABASE_URL_ENV) or None,
        supabase_anon_key=env.get(SUPABASE_ANON_KEY_ENV) or None,
        oauth_providers=providers,
        magic_link=env.get(MAGIC_LINK_ENV, "").lower() == "true",
    )


def openapi_config() -> ApiConfig:
    """A configuration that only describes the app (`api openapi`, the document's test): it opens nothing,
    and its keys can seal nothing anyone uses."""
    import base64

    return ApiConfig(
        database_url="postgresql://launchpad_api@localhost/postgres",
        auth=AuthConfig(issuer="https://project-ref.supabase.co/auth/v1", hs256_secret=b"o" * 32),
        keyring=parse_keyring(base64.b64encode(bytes(range(32))).decode()),
        fleet=FleetConfig("dev", StackSettings(database=True), Path("agents")),
    )
