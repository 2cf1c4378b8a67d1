"""`/login` and `/logout`: a session cookie for a user whose argon2 password hash matches."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from listener.dashboard.rendering import render
from listener.dashboard.security import SESSION_COOKIE, check_csrf, safe_next, set_cookie
from listener.dashboard.sessions import SESSION_LIFETIME, end_session, start_session
from listener.dashboard.users import check_password
from listener.dashboard.views.common import state_of


def login_page(request: Request) -> Response:
    """The login form."""
    return render(request, "login.html", {"page": "login", "next": safe_next(request.query_params.get("next")),
                                          "failed": False})


async def login(request: Request) -> Response:
    """Check the name and password; on success start a session and go where the visitor was headed."""
    form = await request.form()
    check_csrf(request, form)
    state = state_of(request)
    name, password = str(form.get("name") or ""), str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    found = await run_in_threadpool(check_password, state.engine, name, password)
    if found is None:
        return render(request, "login.html", {"page": "login", "next": target, "failed": True}, status=401)
    token = await run_in_threadpool(start_session, state.engine, found[0], state.clock())
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    return response


async def logout(request: Request) -> Response:
    """End the session."""
    form = await request.form()
    check_csrf(request, form)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(end_session, state_of(request).engine, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
