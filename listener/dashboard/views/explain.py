"""`/explain/<day>`: everything `ror explain` shows for a day, with the items and people that moved it."""

from __future__ import annotations

from datetime import date

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from listener.cli.views import INPUT_KEYS
from listener.dashboard.rendering import render
from listener.dashboard.views.common import profile_of, state_of
from listener.read.explain import explain_day

TOP_ITEMS = 8


def page(request: Request) -> Response:
    """The explanation page of one day (`latest` for the newest)."""
    state, profile = state_of(request), profile_of(request)
    text = request.path_params["day"]
    try:
        day = None if text == "latest" else date.fromisoformat(text)
    except ValueError:
        raise HTTPException(404, f"{text!r} is not a day; use YYYY-MM-DD.") from None
    explanation = explain_day(state.engine, profile, day, top=TOP_ITEMS, clock=state.clock)
    ordered = sorted(explanation["components"].items(), key=lambda kv: -abs(kv[1]["effect"]))
    return render(request, "explain.html", {
        "page": "overview", "profile": profile.name, "e": explanation, "ordered": ordered,
        "input_keys": INPUT_KEYS,
    })
