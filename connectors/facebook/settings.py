"""Facebook source settings: the config keys a source of this kind takes (pydantic only, no runtime code)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from connectors.graph_settings import GraphSourceSettings
from connectors.source_settings import ENV_NAME


class FacebookSettings(GraphSourceSettings):
    """One Facebook Page: its posts and their comments, posts by visitors and posts that tag it."""

    platform: Literal["facebook"]
    page_id: str = Field(pattern=r"^[0-9]{5,20}$")
    page_token_env: str = Field(pattern=ENV_NAME, description="a page access token (from a long-lived user token)")
    visitor_posts: bool = True
    tagged: bool = True
