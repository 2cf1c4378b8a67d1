"""`/people`: the relationship ledger; `/people/<platform:id>`: one person's history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from listener.dashboard.rendering import render
from listener.dashboard.views.common import profile_of, state_of
from listener.read.people import SORT_KEYS, list_people, person_history

PEOPLE_SHOWN = 50
DAYS_SHOWN = 90  # a person's latest active days in the table (the most active have years of them)


def page(request: Request) -> Response:
    """The ledger, sorted by a chosen key."""
    state, profile = state_of(request), profile_of(request)
    sort = request.query_params.get("sort", "interactions")
    sort = sort if sort in SORT_KEYS else "interactions"
    people = list_people(state.engine, profile, top=PEOPLE_SHOWN, sort=sort)
    return render(request, "people.html", {"page": "people", "profile": profile.name, "people": people,
                                           "sort": sort, "sort_keys": list(SORT_KEYS)})


def person(request: Request) -> Response:
    """One person's ledger line, sentiment by day, latest items and likes/shares, return spans."""
    state, profile = state_of(request), profile_of(request)
    history = person_history(state.engine, profile, request.path_params["who"], limit=30, days=DAYS_SHOWN)
    return render(request, "person.html", {"page": "people", "profile": profile.name, "h": history,
                                           "p": history["person"]})
