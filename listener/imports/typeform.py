"""Typeform NPS answers into survey_responses: one transaction per page with its cursor, people linked by e-mail."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlalchemy import Connection, Engine, insert, select

from connectors.clock import Sleep
from connectors.http import HttpSession
from connectors.typeform.responses import SurveyPage, TypeformSettings, iter_response_pages
from listener.config.settings import ConfigError, ProfileConfig, require_env
from listener.imports.identity import hash_identity, identity_key
from listener.imports.people import PersonLinker
from listener.imports.save import ImportResult
from listener.imports.session import api_session
from listener.imports.values import CellError, normalise_email
from listener.storage.relationship_models import ImportQuarantineRow, ImportRunRow, SurveyResponseRow
from listener.storage.store import ensure_profile, load_cursor, save_cursor
from listener.storage.upsert import table_of, upsert_rows

STREAM = "responses"


def typeform_settings(profile: ProfileConfig) -> TypeformSettings:
    """The profile's Typeform section, or a ConfigError saying how to add one."""
    if profile.imports.typeform is None:
        raise ConfigError(f"profile {profile.name!r} has no [profiles.imports.typeform] section (form_id, token_env)")
    return profile.imports.typeform


def typeform_session(settings: TypeformSettings, *, transport: httpx.BaseTransport | None = None,
                     sleep: Sleep = time.sleep, clock: Callable[[], datetime] | None = None) -> HttpSession:
    """An HTTP session for the Responses API with our retry policy; transport, sleep and clock injectable."""
    session = api_session(settings.base_url, settings.token_env, transport=transport, sleep=sleep)
    if clock is not None:
        session.clock = clock
    return session


def cursor_source(profile: ProfileConfig, settings: TypeformSettings) -> str:
    """The sync_cursors source name of a profile's form."""
    return f"typeform:{profile.name}:{settings.form_id}"


def _save_page(connection: Connection, profile_id: int, page: SurveyPage, form: str, now: datetime,
               result: ImportResult, key_env: str) -> None:
    linker = PersonLinker(connection, profile_id, "typeform", now)
    rows, known = [], set(connection.execute(select(table_of(SurveyResponseRow).c.response_id).where(
        table_of(SurveyResponseRow).c.profile_id == profile_id,
        table_of(SurveyResponseRow).c.response_id.in_([a.response_id for a in page.answers]))).scalars())
    for answer in page.answers:
        person = None
        try:
            email = normalise_email(answer.email) if answer.email else None
        except CellError:
            email = None  # a free-text e-mail field with no address in it links nobody
        if email:
            person = linker.link([("email", "", hash_identity(identity_key(key_env), "email", email))])
        rows.append({"profile_id": profile_id, "response_id": answer.response_id, "person_id": person,
                     "score": answer.score, "submitted_at": answer.submitted_at, "comment": answer.comment})
    upsert_rows(connection, SurveyResponseRow, rows, ["profile_id", "response_id"],
                ["person_id", "score", "submitted_at", "comment"], keep_known=["person_id"])
    upsert_rows(connection, ImportQuarantineRow, [
        {"profile_id": profile_id, "kind": "nps", "file_name": form, "line": 0, "digest": f"typeform:{bad.external_id}",
         "error": bad.error, "cells": {"response_id": bad.external_id}, "first_seen_at": now}
        for bad in page.bad_records], ["profile_id", "kind", "digest"])
    result.rows += len(page.answers) + len(page.bad_records)
    result.new += sum(a.response_id not in known for a in page.answers)
    result.known += sum(a.response_id in known for a in page.answers)
    result.quarantined += len(page.bad_records)
    result.errors += [(0, bad.error) for bad in page.bad_records]
    result.people_created += linker.created
    result.people_merged += linker.merged


def sync_typeform(engine: Engine, profile: ProfileConfig, session: HttpSession, *,
                  clock: Callable[[], datetime]) -> ImportResult:
    """Fetch the answers after the stored cursor; each page and its cursor are stored together."""
    settings = typeform_settings(profile)
    token = require_env(settings.token_env, "imports.typeform.token_env")
    source, result = cursor_source(profile, settings), ImportResult("typeform")
    with engine.begin() as connection:
        profile_id = ensure_profile(connection, profile.name, profile.timezone)
        cursor = load_cursor(connection, source, STREAM)
    for page in iter_response_pages(session, settings, token, cursor):
        now = clock()
        with engine.begin() as connection:
            _save_page(connection, profile_id, page, f"typeform:{settings.form_id}", now, result,
                       profile.imports.key_env)
            if page.cursor:
                save_cursor(connection, source, STREAM, page.cursor, now)
    with engine.begin() as connection:
        connection.execute(insert(table_of(ImportRunRow)).values(
            profile_id=profile_id, kind="typeform", file_name=f"typeform:{settings.form_id}", imported_at=clock(),
            rows=result.rows, new=result.new, known=result.known, quarantined=result.quarantined))
    return result
