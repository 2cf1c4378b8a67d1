"""Build the dashboard's Starlette app: routes from views/, Jinja2 templates with autoescaping, static files."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from connectors.clock import Clock, utc_now
from listener.config.settings import Config
from listener.dashboard.rendering import make_templates, render
from listener.dashboard.security import AccessMiddleware
from listener.dashboard.views import alerts, audit, auth, explain, inbox, overview, people, reports, sources
from listener.read.reports import NoIndexError

HERE = Path(__file__).resolve().parent
log = logging.getLogger("ror.dashboard")


@dataclass
class DashboardState:
    """What every view needs: the config, the database, the clock, and whether the app is reachable off loopback."""

    config: Config
    engine: Engine
    clock: Clock
    public: bool
    templates: Jinja2Templates


async def _error(request: Request, error: Exception) -> Response:
    if isinstance(error, HTTPException):
        status, detail = error.status_code, str(error.detail)
    elif isinstance(error, NoIndexError):
        status, detail = 404, str(error)
    else:
        log.error("dashboard: %s %s failed", request.method, request.url.path, exc_info=error)
        status, detail = 500, "Something went wrong; the server log has the details."
    return render(request, "error.html", {"page": "error", "status": status, "detail": detail}, status=status)


def create_app(config: Config, engine: Engine, *, clock: Clock = utc_now, public: bool = False) -> Starlette:
    """The dashboard app on this config and database; `public` means bound to a non-loopback address."""
    routes = [
        Route("/", overview.page), Route("/explain/{day}", explain.page),
        Route("/inbox", inbox.page), Route("/inbox/action", inbox.act, methods=["POST"]),
        Route("/people", people.page), Route("/people/{who:path}", people.person),
        Route("/alerts", alerts.page), Route("/alerts/{alert_id:int}/{action}", alerts.act, methods=["POST"]),
        Route("/sources", sources.page), Route("/reports", reports.page), Route("/audit", audit.page),
        Route("/reports/{profile}/{week}/{name}", reports.download),
        Route("/login", auth.login_page), Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(AccessMiddleware)],
                    exception_handlers={HTTPException: _error, NoIndexError: _error, Exception: _error})
    app.state.dashboard = DashboardState(config, engine, clock, public, make_templates())
    return app
