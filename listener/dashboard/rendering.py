"""Rendering pages: the Jinja2 environment (autoescaping on) and the context every page gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from listener.dashboard import formatting

TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_templates() -> Jinja2Templates:
    """The templates, autoescaping every .html file (user text is always escaped)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(["html"], default=True), trim_blocks=True,
                              lstrip_blocks=True)
    environment.filters.update(formatting.FILTERS)
    return Jinja2Templates(env=environment)


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page: the template with the request, its user, the CSRF token and the profiles."""
    state = request.app.state.dashboard
    base = {"user": getattr(request.state, "user", None), "csrf": getattr(request.state, "csrf", ""),
            "login_required": getattr(request.state, "login_required", False),
            "profiles": [p.name for p in state.config.profiles], "path": request.url.path,
            "query": request.url.query}
    return state.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)
