"""What the API is given: its database login, how to verify Supabase access tokens, the key that seals the
secret values users post, and the fleet it adds agents to. From the environment (a Deployment's env and
Secret references) or `python -m launchpad api serve` flags; nothing secret is ever printed."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from launchpad.errors import UserError
from launchpad.sealed import Keyring, parse_keyring
from launchpad.settings import StackSettings, parse_settings
from launchpad.stacks.stack_files import plain_config, stack_file

# Environment variables (the platform's Deployment sets them from Secrets).
DATABASE_URL_ENV = "LAUNCHPAD_API_DATABASE_URL"  # a login of role launchpad_api, never the owner
SECRETS_KEY_ENV = "LAUNCHPAD_API_SECRETS_KEY"  # the stack's apiSecretsKey keyring (launchpad/sealed.py)
JWT_SECRET_ENV = "SUPABASE_JWT_SECRET"  # the project's legacy HS256 secret, if tokens are still signed with it
JWKS_URL_ENV = "SUPABASE_JWKS_URL"  # https://<ref>.supabase.co/auth/v1/.well-known/jwks.json
ISSUER_ENV = "SUPABASE_JWT_ISSUER"  # https://<ref>.supabase.co/auth/v1
AUDIENCE_ENV = "SUPABASE_JWT_AUDIENCE"  # authenticated
STACK_ENV = "LAUNCHPAD_STACK"  # the fleet's stack: dev, local, prod
PROJECT_DIR_ENV = "LAUNCHPAD_PROJECT_DIR"  # where Pulumi.<stack>.yaml and the agents directory are


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
class ApiConfig:
    database_url: str
    auth: AuthConfig
    keyring: Keyring
    fleet: FleetConfig
    pool_size: int = 10
    extra: dict[str, str] = field(default_factory=dict)

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
    return ApiConfig(
        database_url=env[DATABASE_URL_ENV],
        auth=auth,
        keyring=parse_keyring(env[SECRETS_KEY_ENV], SECRETS_KEY_ENV),
        fleet=read_fleet(project, env[STACK_ENV]),
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
