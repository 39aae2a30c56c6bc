"""The FastAPI application: its routers, errors, rate-limit headers and the resources each request uses
(the database pool, the token verifier, the limits), built from an ApiConfig."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from services.api import errors, openapi_docs
from services.api.agents import fleet_files
from services.api.agents import models as agent_models
from services.api.agents import views as agent_views
from services.api.agents.git_names import GitNames
from services.api.agents.service import Agents
from services.api.auth.tokens import TokenVerifier
from services.api.config import ApiConfig
from services.api.dashboard import views as dashboard_views
from services.api.database import Database
from services.api.devsignin import views as dev_sign_in_views
from services.api.events import views as event_views
from services.api.events.hub import LiveHub
from services.api.health import views as health_views
from services.api.operations import views as operation_views
from services.api.ratelimit import RateLimits
from services.api.telemetry import views as telemetry_views

TITLE = "agent-launchpad control plane"
VERSION = "1.0.0"
DESCRIPTION = (
    "Agents for users signed in with Supabase Auth: every change is validated by the same loader and rules as an "
    "agent file in git and deployed by the same Pulumi program, through an operation you can follow. Send the "
    "Supabase access token as `Authorization: Bearer <access_token>`."
)


def create_app(config: ApiConfig, *, project: Path | None = None, rates: RateLimits | None = None) -> FastAPI:
    db = Database(config.database_url, config.pool_size)
    live = LiveHub(db, config.database_url)  # one listener for the whole fleet, per process

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        db.open()
        live.start()
        try:
            yield
        finally:
            live.stop()
            db.close()

    app = FastAPI(title=TITLE, version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.config = config
    app.state.db = db
    app.state.live = live
    app.state.verifier = TokenVerifier(config.auth)
    app.state.rates = rates or RateLimits()
    # The git fleet's files: the checkout's, or (the control plane's image holds none) the recorded ones.
    agents_dir = fleet_files.agents_dir(config.fleet.agents_dir, config.database_url, config.fleet.stack)
    git = GitNames(agents_dir, project or Path.cwd(), config.fleet.settings.agentsDir)
    app.state.agents = Agents(db, config, git)
    errors.install(app)
    # JSON answers compressed for clients that take it (the list of 1,000 agents is ~400 KB, ~40 KB gzipped);
    # Server-Sent Events are left alone (Starlette excludes text/event-stream: a compressor would hold events
    # back), and the dashboard's files are sent already compressed (their Content-Encoding passes through).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)

    app.include_router(health_views.router)
    app.include_router(agent_views.router)
    app.include_router(operation_views.router)
    if config.dev_sign_in is not None:  # dev stacks only (config.ApiConfig checks the stack allows it)
        app.include_router(dev_sign_in_views.router)
    app.include_router(telemetry_views.router)
    app.include_router(event_views.router)
    openapi_docs.install(app, [agent_models.CreateAgent, agent_models.UpdateAgent, agent_models.Scale])
    # The dashboard's files, and its page as the answer to a GET no route took (outside /api).
    dashboard_views.install(app, config)
    return app
