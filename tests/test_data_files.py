"""The backends' shipped data files parse to the same values whichever JSON reader reads them."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from scoring.backends.data_files import data_json, data_text, data_toml

SHIPPED_JSON = sorted(entry.name for entry in resources.files("scoring.backends").joinpath("data").iterdir()
                      if entry.name.endswith(".json"))


@pytest.mark.parametrize("name", SHIPPED_JSON)
def test_orjson_reads_every_shipped_file_as_json_loads_does(name: str) -> None:
    expected = json.loads(data_text(name))
    read = data_json(name)
    assert read == expected
    assert repr(read) == repr(expected)  # the same floats to the last bit, the same key order


def test_there_are_shipped_json_files_and_a_toml_file_is_parsed_once() -> None:
    assert len(SHIPPED_JSON) >= 5
    assert data_toml("care_en.toml") is data_toml("care_en.toml")
