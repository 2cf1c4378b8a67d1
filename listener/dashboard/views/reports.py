"""`/reports`: a profile's weekly summaries, previewed in the page and downloadable in every format."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from listener.dashboard.rendering import render
from listener.dashboard.views.common import profile_of, state_of
from listener.exports import RENDERERS, IsoWeek, WeekError, build_weekly_summary, render_files
from listener.exports.model import WeeklySummary

WEEKS_LISTED = 8
MEDIA_TYPES = {".csv": "text/csv", ".json": "application/json", ".md": "text/markdown", ".html": "text/html"}
# The HTML export is a standalone page with its own inline styles and no script; shown in a sandboxed frame.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def _week(text: str | None, default: IsoWeek) -> IsoWeek:
    if not text:
        return default
    try:
        return IsoWeek.parse(text)
    except WeekError as error:
        raise HTTPException(404, str(error)) from None


def _summary(request: Request, profile_name: str | None, week_text: str | None) -> WeeklySummary:
    state, profile = state_of(request), profile_of(request, profile_name)
    now = state.clock()
    week = _week(week_text, IsoWeek.last_complete(now, profile.zone))
    return build_weekly_summary(state.engine, profile, week, now)


def page(request: Request) -> Response:
    """The week chooser, the preview of the chosen week, and its files."""
    state, profile = state_of(request), profile_of(request)
    summary = _summary(request, profile.name, request.query_params.get("week"))
    last = IsoWeek.last_complete(state.clock(), profile.zone)
    files = list(render_files(summary, RENDERERS))
    return render(request, "reports.html", {
        "page": "reports", "profile": profile.name, "week": summary.week.label,
        "weeks": [last.previous(i).label for i in range(WEEKS_LISTED)], "files": files,
        "html_file": next((f for f in files if f.endswith(".html")), None),
    })


def download(request: Request) -> Response:
    """One file of a week's summary: an attachment, or inline for the preview frame (?inline=1)."""
    params = request.path_params
    summary = _summary(request, params["profile"], params["week"])
    files = render_files(summary, RENDERERS)
    name = params["name"]
    if name not in files:
        raise HTTPException(404, f"No file {name!r} for {summary.profile} {summary.week.label}.")
    suffix = name[name.rfind("."):]
    inline = request.query_params.get("inline") == "1" and suffix == ".html"
    headers = {"Content-Disposition": "inline" if inline else f'attachment; filename="{name}"'}
    if inline:
        headers["Content-Security-Policy"] = PREVIEW_POLICY
    return Response(files[name], media_type=MEDIA_TYPES.get(suffix, "text/plain"), headers=headers)
