"""`/inbox`: items that ask for an answer, newest first, with filters; mark handled, assign, tag, correct."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from listener.dashboard import inbox as triage
from listener.dashboard.rendering import render
from listener.dashboard.security import checked_form, safe_next
from listener.dashboard.views.common import actor, profile_id_of, profile_of, state_of


def page(request: Request) -> Response:
    """The inbox page."""
    state, profile = state_of(request), profile_of(request)
    chosen = triage.InboxFilter.of(dict(request.query_params))
    profile_id = profile_id_of(request, profile)
    now = state.clock()
    entries = triage.list_inbox(state.engine, profile_id, chosen, now) if profile_id is not None else []
    platforms = sorted({source.platform for source in profile.sources})
    params = {k: v for k, v in {"profile": profile.name, "status": chosen.status, "platform": chosen.platform,
                                "sentiment": chosen.sentiment}.items() if v}
    older = urlencode({**params, "before": entries[-1]["created_at"].isoformat()}) \
        if len(entries) == triage.PAGE_SIZE else None
    return render(request, "inbox.html", {
        "page": "inbox", "profile": profile.name, "entries": entries, "filter": chosen, "platforms": platforms,
        "statuses": triage.STATUSES, "labels": triage.LABELS, "older": older, "now": now,
        "here": request.url.path + "?" + urlencode(params),
    })


ACTIONS = ("handle", "reopen", "assign", "tag", "sentiment")


async def act(request: Request) -> Response:
    """Apply one action from an inbox form, then go back to the list."""
    form = await checked_form(request)
    state, profile = state_of(request), profile_of(request, str(form.get("profile") or "") or None)
    action, platform, external_id = (str(form.get(k) or "") for k in ("action", "platform", "external_id"))
    if action not in ACTIONS:
        raise HTTPException(400, f"Unknown inbox action {action!r}.")
    profile_id = await run_in_threadpool(profile_id_of, request, profile)
    if profile_id is None:
        raise HTTPException(404, f"Profile {profile.name!r} has nothing stored yet.")
    who, now, value = actor(request), state.clock(), str(form.get("value") or "")
    try:
        if action in ("handle", "reopen"):
            await run_in_threadpool(triage.mark_handled, state.engine, profile_id, platform, external_id, who,
                                    action == "handle", now)
        elif action == "assign":
            await run_in_threadpool(triage.assign, state.engine, profile_id, platform, external_id, who, value, now)
        elif action == "tag":
            await run_in_threadpool(triage.set_tags, state.engine, profile_id, platform, external_id, who,
                                    triage.parse_tags(value), now)
        else:
            await run_in_threadpool(triage.correct_sentiment, state.engine, profile_id, platform, external_id, who,
                                    value, now)
    except LookupError as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    return RedirectResponse(safe_next(str(form.get("next") or ""), "/inbox"), status_code=303)
