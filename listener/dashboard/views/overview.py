"""`/`: the profile's running and daily index, one component on demand, component changes, inbound volume,
and the founders' RoR % beside the social proxy when the profile has imported people."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response

from listener.dashboard.chart import index_chart, volume_chart
from listener.dashboard.overview import component_changes, inbound_volumes
from listener.dashboard.rendering import render
from listener.dashboard.views.common import profile_of, state_of
from listener.read.reports import NoIndexError, load_index_points
from listener.read.ror_percent import beside_social_proxy, ror_percent_summary
from scoring.relationship_index import index_components

DAYS_SHOWN = (28, 90, 365)


def page(request: Request) -> Response:
    """The overview page."""
    state, profile = state_of(request), profile_of(request)
    days = int(request.query_params.get("days", "90")) if request.query_params.get("days", "90").isdigit() else 90
    days = days if days in DAYS_SHOWN else 90
    component = request.query_params.get("component")
    components = index_components(profile.index.weights)
    component = component if component in components else None
    points = load_index_points(state.engine, profile, days)
    volumes = []
    if points:
        try:
            volumes = inbound_volumes(state.engine, profile.name, date.fromisoformat(points[0]["day"]),
                                      date.fromisoformat(points[-1]["day"]))
        except NoIndexError:
            volumes = []
    founders = ror_percent_summary(state.engine, profile, clock=state.clock)
    return render(request, "overview.html", {
        "page": "overview", "profile": profile.name, "points": points, "latest": points[-1] if points else None,
        "chart": index_chart(points, profile.name, component), "volume": volume_chart(volumes, profile.name),
        "component": component, "components": components, "days": days, "days_shown": DAYS_SHOWN,
        "changes": component_changes(points, profile.index.weights),
        "provisional": [p["day"] for p in points if p["provisional"]],
        "since": (date.fromisoformat(points[-1]["day"]) - timedelta(days=7)).isoformat() if points else None,
        # shown only for a profile with imported CRM or survey people
        "founders": beside_social_proxy(founders, points) if founders["linked_people"] else None,
    })
