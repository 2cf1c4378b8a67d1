"""`/alerts`: alerts with each channel's delivery state; acknowledge and resolve."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from listener.alerts import list_alerts
from listener.dashboard.alert_reviews import review_alert, reviews_of
from listener.dashboard.rendering import render
from listener.dashboard.security import checked_form, safe_next
from listener.dashboard.views.common import actor, state_of

ALERTS_SHOWN = 100


def page(request: Request) -> Response:
    """The latest alerts of every profile (or one, with ?profile=)."""
    state = state_of(request)
    profile = request.query_params.get("profile") or None
    alerts = list_alerts(state.engine, profile, ALERTS_SHOWN)
    reviews = reviews_of(state.engine, [a["id"] for a in alerts])
    for alert in alerts:
        alert["review"] = reviews.get(alert["id"], {})
    return render(request, "alerts.html", {"page": "alerts", "profile": profile, "alerts": alerts})


async def act(request: Request) -> Response:
    """Acknowledge or resolve one alert."""
    form = await checked_form(request)
    action = request.path_params["action"]
    if action not in ("acknowledge", "resolve"):
        raise HTTPException(404, f"Unknown alert action {action!r}.")
    state = state_of(request)
    try:
        await run_in_threadpool(review_alert, state.engine, request.path_params["alert_id"], action, actor(request),
                                state.clock())
    except LookupError as error:
        raise HTTPException(404, str(error)) from None
    return RedirectResponse(safe_next(str(form.get("next") or ""), "/alerts"), status_code=303)
