"""The registry's two halves agree: each platform's lazily imported connector serves it with its settings model."""

from __future__ import annotations

import pytest

from connectors.registry import PLATFORMS, connector_class


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_each_platforms_connector_serves_it_with_its_settings_model(platform: str) -> None:
    connector = connector_class(platform)
    assert connector.platform == platform
    assert connector.settings_model is PLATFORMS[platform].settings
    assert PLATFORMS[platform].settings.model_fields["platform"].annotation.__args__ == (platform,)
