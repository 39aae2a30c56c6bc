"""`python -m launchpad api ...` (wired in launchpad/cli.py):

  api serve [--host H] [--port P]     the API on uvicorn, configured from the environment (services/api/config.py)
  api serve --dev                     the same against the dev stack on this machine: its database (dev-db, as
                                      launchpad_api), its apiSecretsKey, a local token secret (.state/api/), and
                                      the dashboard's dev-only sign-in (Pulumi.dev.yaml: devSignIn)
  api token --dev --email E           a dev user's access token, minted as Supabase Auth mints them (HS256)
  api openapi                         the OpenAPI document (committed as docs/api/openapi.json)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV
from launchpad.errors import UserError

DEV_STACK = "dev"
DEV_ISSUER = "http://127.0.0.1:54321/auth/v1"  # where `supabase start` serves Auth locally
DEV_STATE = Path(".state/api")
DEV_SECRET_FILE = DEV_STATE / "jwt-secret"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("api", help="the control-plane API (serve, dev tokens, OpenAPI document)")
    sub = parser.add_subparsers(dest="api_command", required=True)
    serve = sub.add_parser("serve", help="run the API on uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--dev", action="store_true", help="against the dev stack on this machine")
    serve.set_defaults(func=_serve)
    token = sub.add_parser("token", help="mint a dev user's access token (dev stack only)")
    token.add_argument("--dev", action="store_true", required=True)
    token.add_argument("--email", required=True)
    token.add_argument("--admin", action="store_true", help="app_metadata.launchpad.role = admin")
    token.set_defaults(func=_token)
    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.set_defaults(func=_openapi)


def _dev_secret() -> str:
    """The dev stack's token secret: made once, kept under .state/ (git-ignored), never printed."""
    if not DEV_SECRET_FILE.exists():
        DEV_STATE.mkdir(parents=True, exist_ok=True)
        fd = os.open(DEV_SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(uuid.uuid4().hex + uuid.uuid4().hex)
    return DEV_SECRET_FILE.read_text().strip()


def _dev_database(user: str) -> str:
    from launchpad.db.dev_cli import DEFAULT_DATA_DIR, DEFAULT_PORT
    from launchpad.db.local_server import LocalServer

    return LocalServer(DEFAULT_DATA_DIR.resolve(), DEFAULT_PORT).url_for(user, "postgres")


def _dev_sealing_key() -> str:
    """The dev stack's apiSecretsKey, as the program reads it (Pulumi.dev.yaml holds it, sealed)."""
    from launchpad.sealed import CONFIG_KEY
    from launchpad.stacks.pulumi_cli import Pulumi

    os.environ.setdefault("PULUMI_BACKEND_URL", f"file://{Path('.state/pulumi').resolve()}")
    os.environ.setdefault("PULUMI_CONFIG_PASSPHRASE", "")
    return Pulumi(Path.cwd()).check("config", "get", CONFIG_KEY, "--stack", DEV_STACK).strip()


def dev_environment(*, sealing: bool = True) -> dict[str, str]:
    """The settings of `api serve --dev` (those the environment does not already give); `sealing`: with
    the dev stack's apiSecretsKey, read through the pulumi CLI (a token needs none)."""
    from services.api import config

    env = dict(os.environ)
    env.setdefault(config.DATABASE_URL_ENV, _dev_database("launchpad_api"))
    env.setdefault(config.ISSUER_ENV, DEV_ISSUER)
    env.setdefault(config.STACK_ENV, DEV_STACK)
    if not env.get(config.JWT_SECRET_ENV) and not env.get(config.JWKS_URL_ENV):
        env[config.JWT_SECRET_ENV] = _dev_secret()
    if sealing and not env.get(config.SECRETS_KEY_ENV):
        env[config.SECRETS_KEY_ENV] = _dev_sealing_key()
    # The dashboard's dev-only sign-in, when the dev stack's file allows it (agent-launchpad:devSignIn).
    if config.read_fleet(Path(env.get(config.PROJECT_DIR_ENV) or ".").resolve(), DEV_STACK).settings.devSignIn:
        env.setdefault(DEV_SIGN_IN_ENV, "true")
        env.setdefault(DEV_SIGN_IN_DATABASE_URL_ENV, _dev_database("postgres"))
    return env


def _serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from services.api import config
    from services.api.app import create_app

    try:
        settings = config.from_env(dev_environment() if args.dev else None)
    except UserError as exc:
        print(f"api serve: {exc.render()}", file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    try:
        app.state.db.check_login()
    except UserError as exc:
        print(f"api serve: {exc.render()}", file=sys.stderr)
        return 1
    print(f"api: serving fleet {settings.fleet.stack} on http://{args.host}:{args.port}/api", file=sys.stderr)
    if app.state.dashboard.page is not None:
        print(f"api: the dashboard is at http://{args.host}:{args.port}/"
              + (" (dev-only sign-in: any email)" if settings.dev_sign_in else ""), file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=True, proxy_headers=False)
    return 0


def _token(args: argparse.Namespace) -> int:
    """A dev user (made in the dev database's auth.users if new: nobody signs up locally) and their token,
    with every claim Supabase Auth puts in one (services/api/auth/tokens.py verifies them all)."""
    import psycopg

    from launchpad.db.repository.dev_users import ensure_dev_user
    from services.api import config
    from services.api.auth.dev_tokens import mint_dev_token

    with psycopg.connect(_dev_database("postgres"), autocommit=True) as conn:
        user_id = ensure_dev_user(conn, args.email)
    env = dev_environment(sealing=False)
    minted = mint_dev_token(env[config.JWT_SECRET_ENV], env[config.ISSUER_ENV], user_id, args.email, admin=args.admin)
    print(minted.token)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from services.api.app import create_app
    from services.api.config import openapi_config

    print(json.dumps(create_app(openapi_config()).openapi(), indent=2, sort_keys=True))
    return 0
