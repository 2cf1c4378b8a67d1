"""Typeform Responses API (GET /forms/{form_id}/responses): one form's NPS answers, page by page.

Pages are walked with `after=<token>`, which Typeform serves in the order it processed the
responses, so the last token of a stored page is a safe cursor and a later run resumes there.
Answers are found by the question's `ref` (set in the form editor) or, without one, by type:
the first `nps`/`opinion_scale` number, the first `email`, the first long or short text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.base import BadRecord
from connectors.errors import MalformedItemError, MalformedResponseError
from connectors.http import HttpSession
from connectors.pagination import LoopGuard
from connectors.typeform.settings import TypeformSettings

SCORE_FIELD_TYPES = ("nps", "opinion_scale")
TEXT_FIELD_TYPES = ("long_text", "short_text")


@dataclass(frozen=True)
class SurveyAnswer:
    """One NPS answer as Typeform reports it."""

    response_id: str
    submitted_at: datetime
    score: int
    email: str | None = None
    comment: str | None = None


@dataclass
class SurveyPage:
    """One page of answers, the responses that could not be read, and the cursor safe once it is stored."""

    answers: list[SurveyAnswer] = field(default_factory=list)
    bad_records: list[BadRecord] = field(default_factory=list)
    cursor: str | None = None


def _pick(answers: list[dict[str, Any]], ref: str | None, types: tuple[str, ...]) -> dict[str, Any] | None:
    for answer in answers:
        field_ = answer.get("field") or {}
        if (ref is not None and field_.get("ref") == ref) or (ref is None and field_.get("type") in types):
            return answer
    return None


def parse_response(item: dict[str, Any], settings: TypeformSettings) -> SurveyAnswer:
    """A Typeform response item as a SurveyAnswer; MalformedItemError when it has no readable score."""
    answers = item.get("answers") or []
    score = _pick(answers, settings.score_ref, SCORE_FIELD_TYPES)
    number = score.get("number") if score else None
    if not isinstance(number, int) or not 0 <= number <= 10:
        raise MalformedItemError(f"response {item.get('response_id')!r}: no NPS score 0-10 (got {number!r})")
    try:
        submitted = datetime.fromisoformat(str(item["submitted_at"]).replace("Z", "+00:00"))
        response_id = str(item["response_id"])
    except (KeyError, ValueError) as error:
        raise MalformedItemError(f"response without a valid response_id/submitted_at: {error}") from None
    email = _pick(answers, settings.email_ref, ("email",))
    comment = _pick(answers, settings.comment_ref, TEXT_FIELD_TYPES)
    return SurveyAnswer(response_id, submitted, number, email.get("email") if email else None,
                        comment.get("text") if comment else None)


def iter_response_pages(session: HttpSession, settings: TypeformSettings, token: str,
                        cursor: str | None) -> Iterator[SurveyPage]:
    """Pages of answers after `cursor` (a response token), until a page comes back short."""
    guard = LoopGuard("typeform responses")
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        params: dict[str, Any] = {"page_size": settings.page_size, **({"after": cursor} if cursor else {})}
        body, _ = session.get_json(f"/forms/{settings.form_id}/responses", params=params, headers=headers)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise MalformedResponseError("typeform responses: the body has no 'items' list")
        page = SurveyPage(cursor=cursor)
        for item in items:
            try:
                page.answers.append(parse_response(item, settings))
            except MalformedItemError as error:
                page.bad_records.append(BadRecord(str(error), item, str(item.get("response_id") or "")))
            page.cursor = str(item.get("token") or page.cursor)
        if items:
            guard.check(page.cursor)
            yield page
        if len(items) < settings.page_size:
            return
        cursor = page.cursor
