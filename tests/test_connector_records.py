"""Items, authors and counters: built in one step, they behave as the frozen dataclasses dataclasses would build."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import Author, Counters, Item, fields_set_at_once

NOW = datetime(2026, 11, 17, 9, 30, tzinfo=UTC)
RECORDS = (Author, Counters, Item)


def _as_dataclasses_builds_it(cls: type[Any]) -> type[Any]:
    """A twin of `cls` with the __init__ dataclasses writes (same fields, defaults, factories and __post_init__)."""
    twin = dataclasses.make_dataclass(cls.__name__, [(f.name, f.type, f) for f in dataclasses.fields(cls)],
                                      frozen=True, namespace={"__post_init__": cls.__post_init__}
                                      if hasattr(cls, "__post_init__") else {})
    return twin


@pytest.mark.parametrize("cls", RECORDS)
def test_the_parameters_are_those_dataclasses_gives(cls: type[Any]) -> None:
    theirs = inspect.signature(_as_dataclasses_builds_it(cls)).parameters
    for ours in (inspect.signature(cls).parameters, inspect.signature(cls.new).parameters):
        assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]
        assert [repr(p.default) for p in ours.values()] == [repr(p.default) for p in theirs.values()]


def test_values_defaults_and_factories_are_stored_as_dataclasses_stores_them() -> None:
    author = Author("mastodon", "m/1", "acme", followers=3)
    cases: list[tuple[type[Any], tuple[Any, ...], dict[str, Any]]] = [
        (Author, ("mastodon", "m/1", "acme"), {}),
        (Author, ("mastodon", "m/1", "acme", "Acme", "https://m/@acme", 3, 4), {}),
        (Counters, (), {"likes": 1, "quotes": 0}),
        (Item, ("mastodon", "m/2", "reply", "inbound", author, "hi", NOW), {"parent_external_id": "m/1"}),
        (Item, ("mastodon", "m/3", "post", "owned", None, "", NOW), {"counters": Counters(2), "raw": {"a": 1},
                                                                     "rating": 4.5}),
    ]
    for cls, args, kwargs in cases:
        ours, theirs = cls(*args, **kwargs), _as_dataclasses_builds_it(cls)(*args, **kwargs)
        assert vars(ours) == vars(theirs) and repr(ours) == repr(theirs).replace(f"types.{cls.__name__}", "")
        built = cls.new(*args, **kwargs)
        assert type(built) is cls and vars(built) == vars(ours) and built == ours
        assert cls is Item or hash(built) == hash(ours)  # an item holds its raw dict: no hash
    first, second = Item("p", "1", "post", "owned", None, "", NOW), Item("p", "1", "post", "owned", None, "", NOW)
    assert first == second and hash(author) == hash(Author("mastodon", "m/1", "acme", followers=3))
    assert first.raw is not second.raw and first.counters == Counters()  # each gets its own factory value


def test_records_stay_frozen_checked_and_replaceable() -> None:
    item = Item("mastodon", "m/1", "post", "owned", None, "hi", NOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"item\.url: expected text, got dict"):
        Item("mastodon", "m/1", "post", "owned", None, "hi", NOW, url={"x": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"author\.handle: expected text, got int"):
        Author("mastodon", "m/1", 7)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"item\.language: expected text, got int"):
        Item.new("mastodon", "m/1", "post", "owned", None, "hi", NOW, language=3)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Item.new("mastodon", "m/1", "post", "owned", None, "hi", NOW).text = "changed"  # type: ignore[misc]
    assert dataclasses.replace(item, text="new") == Item("mastodon", "m/1", "post", "owned", None, "new", NOW)
    with pytest.raises(TypeError):
        Item("mastodon", "m/1", "post")  # type: ignore[call-arg]


def test_a_class_without_post_init_is_built_without_one() -> None:
    @fields_set_at_once
    @dataclasses.dataclass(frozen=True)
    class Pair:
        left: int
        right: list[int] = dataclasses.field(default_factory=list)

    assert vars(Pair(1)) == {"left": 1, "right": []} and Pair(1, [2]).right == [2]
    assert vars(Pair.new(1)) == {"left": 1, "right": []} and Pair.new(1).right is not Pair.new(1).right  # type: ignore[attr-defined]
