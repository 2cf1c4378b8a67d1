"""`/audit`: the latest changes made in the dashboard, who made them and when."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from listener.dashboard.audit import recent_changes
from listener.dashboard.rendering import render
from listener.dashboard.views.common import state_of

CHANGES_SHOWN = 200


def page(request: Request) -> Response:
    """The audit trail, newest first (of one item or alert with ?target=)."""
    target = request.query_params.get("target") or None
    changes = recent_changes(state_of(request).engine, CHANGES_SHOWN, target)
    return render(request, "audit.html", {"page": "audit", "profile": request.query_params.get("profile"),
                                          "changes": changes, "target": target})
