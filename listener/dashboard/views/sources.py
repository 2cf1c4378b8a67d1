"""`/sources`: each source's health, last run, quarantined records, quota left and next run."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from listener.collect.status import daemon_caption, quota_left, shown_state, source_statuses
from listener.dashboard.rendering import render
from listener.dashboard.views.common import state_of


def page(request: Request) -> Response:
    """The sources page (what `ror status` shows)."""
    state = state_of(request)
    counted = request.query_params.get("count") == "1"  # counting items reads every item link: on request only
    statuses = [{**s.to_json(), "shown_state": shown_state(s), "quota_left": quota_left(s)}
                for s in source_statuses(state.engine, state.config, count_items=counted)]
    return render(request, "sources.html", {"page": "sources", "profile": request.query_params.get("profile"),
                                            "sources": statuses, "daemon": daemon_caption(state.engine),
                                            "counted": counted})
