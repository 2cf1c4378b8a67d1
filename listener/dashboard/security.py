"""Who is asking and may they: sessions or the local operator, CSRF tokens, roles, security headers."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from listener.dashboard.sessions import User, new_token, session_user
from listener.dashboard.users import count_users, may

SESSION_COOKIE = "ror_session"
CSRF_COOKIE = "ror_csrf"
PUBLIC_PATHS = ("/login", "/static/")
# No script at all: the pages work with plain links and forms. Styles only from our static file.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'self'; "
                           "base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin", "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store",
}
LOCAL_USER = "local"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class AccessMiddleware(BaseHTTPMiddleware):
    """Resolve the user of each request; send anonymous visitors to /login when a login is required."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Set request.state.user and .csrf, then add the security headers and the CSRF cookie."""
        from starlette.concurrency import run_in_threadpool

        state = request.app.state.dashboard
        anonymous_csrf = request.cookies.get(CSRF_COOKIE) or new_token()
        needs_login = await run_in_threadpool(login_required, state)
        user = await run_in_threadpool(session_user, state.engine, request.cookies.get(SESSION_COOKIE), state.clock())
        if user is None and not needs_login:
            user = User(LOCAL_USER, "admin", anonymous_csrf)
        request.state.user, request.state.csrf = user, user.csrf_token if user else anonymous_csrf
        request.state.login_required = needs_login
        if not needs_login and not _loopback_host(request):
            return _refused_host()
        if user is None and not request.url.path.startswith(PUBLIC_PATHS):
            response: Response = RedirectResponse(f"/login?next={_next_of(request)}", status_code=303)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if CSRF_COOKIE not in request.cookies:
            set_cookie(response, request, CSRF_COOKIE, anonymous_csrf)
        return response


def _loopback_host(request: Request) -> bool:
    """Whether the Host header names this machine (a page reached through another name could be DNS rebinding)."""
    host = request.headers.get("host", "").lower()
    name = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    return name in LOOPBACK_HOSTS


def _refused_host() -> Response:
    return PlainTextResponse("Without a login the dashboard answers only to 127.0.0.1, localhost and [::1]; "
                             "add a user (ror users add) to reach it through another name.", status_code=421,
                             headers=SECURITY_HEADERS)


def login_required(state: Any) -> bool:
    """A login is needed off loopback, and on loopback as soon as any user exists."""
    return bool(state.public or count_users(state.engine) > 0)


def _next_of(request: Request) -> str:
    from urllib.parse import quote

    return quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure when the request came over HTTPS (proxy headers honoured)."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


def check_csrf(request: Request, form: FormData) -> None:
    """403 unless the form carries this browser's CSRF token."""
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), str(request.state.csrf).encode()):
        raise HTTPException(403, "The form's security token is missing or stale: reload the page and try again.")


async def checked_form(request: Request, needed: str = "editor") -> FormData:
    """The POSTed form after the CSRF check and the role check (403 for either)."""
    form = await request.form()
    check_csrf(request, form)
    user: User | None = request.state.user
    if user is None or not may(user.role, needed):
        raise HTTPException(403, f"Your role ({user.role if user else 'none'}) may not change anything here.")
    return form


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after a form (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
