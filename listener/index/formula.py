"""The index series' name: the formula version plus a digest of every parameter that changes what it means.

Apart from the aggregator so that reading the stored series (`ror index`, explain, exports)
does not load the aggregator.
"""

from __future__ import annotations

from typing import Any

from listener.config.settings import IndexConfig
from scoring.index import COMPONENTS, FORMULA_VERSION, parameters_digest
from scoring.scorer_settings import SCORER_VERSION


def formula_parameters(index: IndexConfig) -> dict[str, Any]:
    """Everything that changes what the index means; stored with each point."""
    return {"formula": FORMULA_VERSION, "scorer_version": SCORER_VERSION, "components": list(COMPONENTS),
            "sentiment": index.sentiment_settings, **index.model_dump(exclude={"provisional_hours"})}


def formula_version(index: IndexConfig) -> str:
    """The series name: formula version plus a digest of its parameters."""
    return f"{FORMULA_VERSION}:{parameters_digest(formula_parameters(index))}"
