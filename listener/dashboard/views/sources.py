"""`/sources`: each source's health, last run, quarantined records, quota left and next run; the workers
and their queues when the database holds the task queue (PostgreSQL with `ror worker`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from listener.collect.status import daemon_caption, quota_left, shown_state, source_statuses
from listener.dashboard.rendering import render
from listener.dashboard.views.common import state_of
from listener.workers.status import has_queue, queue_status


def page(request: Request) -> Response:
    """The sources page (what `ror status` shows)."""
    state = state_of(request)
    counted = request.query_params.get("count") == "1"  # counting items reads every item link: on request only
    statuses = [{**s.to_json(), "shown_state": shown_state(s), "quota_left": quota_left(s)}
                for s in source_statuses(state.engine, state.config, count_items=counted)]
    queue = queue_status(state.engine) if has_queue(state.engine) else None
    return render(request, "sources.html", {"page": "sources", "profile": request.query_params.get("profile"),
                                            "sources": statuses, "daemon": daemon_caption(state.engine),
                                            "counted": counted, "queue": queue})
