"""The dashboard on the API's origin (no CORS, one deployment): GET /assets/<hashed name> (immutable, gzip when
the client takes it) and, for every other GET outside /api that no route answers, the page itself (the dashboard
routes in the browser: /, /agents/new, /agents/<name>, /sign-in). The page is the answer to a 404 rather than a
catch-all route, so no method of any path changes meaning (a POST to an unknown path stays a JSON 404, not a
405). Not in the OpenAPI document: it is not the REST API.

The page's Content-Security-Policy allows scripts, styles and connections from this origin only, plus the
stack's Supabase Auth for auth-js: nothing is loaded from a CDN, and an injected script has nowhere to talk to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api.config import ApiConfig
from services.api.dashboard.files import DashboardFiles, Page
from services.api.errors import ApiError, envelope

router = APIRouter(include_in_schema=False)

IMMUTABLE = "public, max-age=31536000, immutable"
# Paths that are never the page: the REST API and the probes (a missing endpoint stays a JSON 404, and a probe
# never passes because the page answered it).
NOT_PAGES = ("api", "healthz", "readyz", "assets")


def settings(config: ApiConfig) -> dict[str, Any]:
    """The page's view of the stack: only what a browser may know."""
    d = config.dashboard
    return {
        "stack": config.fleet.stack,
        "supabaseUrl": d.supabase_url,
        "supabaseAnonKey": d.supabase_anon_key,
        "oauthProviders": list(d.oauth_providers),
        "magicLink": d.magic_link,
        "devSignIn": config.dev_sign_in is not None,
    }


def security_headers(config: ApiConfig) -> dict[str, str]:
    connect = ["'self'"]
    if config.dashboard.supabase_url:
        parts = urlsplit(config.dashboard.supabase_url)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    policy = (f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              f"connect-src {' '.join(connect)}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


class Dashboard:
    """app.state.dashboard: the files, and the page rendered once for this stack."""

    def __init__(self, config: ApiConfig) -> None:
        self.files = DashboardFiles(config.dashboard.files)
        self.page: Page | None = self.files.page(settings(config)) if self.files.built else None
        self.headers = security_headers(config)


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


@router.get("/assets/{name}")
def asset(name: str, request: Request) -> Response:
    dashboard: Dashboard = request.app.state.dashboard
    found = dashboard.files.assets.get(f"/assets/{name}")
    if found is None:
        raise ApiError(404, "NOT_FOUND", f"no such file: /assets/{name}")
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
    if found.gzipped is not None and _accepts_gzip(request):
        return FileResponse(found.gzipped, media_type=found.content_type,
                            headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(found.path, media_type=found.content_type, headers=headers)


def page(request: Request) -> Response:
    dashboard: Dashboard = request.app.state.dashboard
    if dashboard.page is None:
        return Response("The dashboard is not built here: run `bash scripts/dashboard-build.sh`; the REST API is at "
                        "/api (documentation: /api/docs).\n", status_code=503, media_type="text/plain")
    headers = {**dashboard.headers, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if _accepts_gzip(request):
        return Response(dashboard.page.gzipped, media_type="text/html; charset=utf-8",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(dashboard.page.body, media_type="text/html; charset=utf-8", headers=headers)


def install(app: FastAPI, config: ApiConfig) -> None:
    app.state.dashboard = Dashboard(config)
    app.include_router(router)

    async def _not_found(request: Request, exc: Exception) -> Response:
        first = request.url.path.lstrip("/").split("/", 1)[0]
        if request.method in ("GET", "HEAD") and first not in NOT_PAGES:
            return page(request)
        headers = dict(exc.headers or {}) if isinstance(exc, StarletteHTTPException) else {}
        return envelope(request, ApiError(404, "NOT_FOUND", f"no such endpoint: {request.url.path}",
                                          headers=headers))

    app.add_exception_handler(404, _not_found)
