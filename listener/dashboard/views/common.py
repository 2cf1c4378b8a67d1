"""What the views share: the app's state, the chosen profile, the profile's stored id, the acting user."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from listener.config.settings import ConfigError, ProfileConfig
from listener.read.reports import NoIndexError, stored_profile_id


def state_of(request: Request) -> Any:
    """The DashboardState of the app serving this request."""
    return request.app.state.dashboard


def profile_of(request: Request, name: str | None = None) -> ProfileConfig:
    """The profile named in ?profile= (or `name`), the first one by default; 404 for an unknown name."""
    config = state_of(request).config
    chosen = name or request.query_params.get("profile")
    if not chosen:
        return config.profiles[0]
    try:
        return config.profile(chosen)
    except ConfigError:
        raise HTTPException(404, f"No profile called {chosen!r} in the config.") from None


def profile_id_of(request: Request, profile: ProfileConfig) -> int | None:
    """The stored id of the profile, or None if nothing was collected for it yet."""
    with state_of(request).engine.connect() as connection:
        try:
            return stored_profile_id(connection, profile.name)
        except NoIndexError:
            return None


def actor(request: Request) -> str:
    """The name recorded in the audit trail for this request's user."""
    return request.state.user.name
