"""`ror explain`, `ror people` and `ror recompute` on the database `ror demo` leaves behind."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listener.cli.main import EXIT_USAGE, app
from scoring.series import COMPONENTS

ACME = ("--profile", "acme")  # the demo's English brand (it also has a Dutch and a German one)


@pytest.fixture(scope="module")
def demo_config(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    return str(directory / "ror.toml")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def points(config: str) -> list[dict]:
    code, output = invoke("index", "--json", "--days", "60", "--config", config, *ACME)
    assert code == 0, output
    return json.loads(output)["points"]


def test_explain_a_bad_day_names_its_components_and_the_items_behind_them(demo_config: str) -> None:
    series = points(demo_config)
    scored = [p for p in series if p["components"]["sentiment"]["score"] is not None]
    worst = min(scored, key=lambda p: p["components"]["sentiment"]["score"])
    code, output = invoke("explain", "--date", worst["day"], "--json", "--top", "3", "--config", demo_config, *ACME)
    assert code == 0, output
    explained = json.loads(output)
    # the demo weights the components beyond social: its imported surveys, orders, newsletter and website
    assert explained["day"] == worst["day"]
    assert set(explained["components"]) == {*COMPONENTS, "survey_nps", "retention", "email_engagement",
                                            "web_engagement"}
    assert explained["components"]["retention"]["inputs"]["customers"] > 0
    assert explained["daily_index"] == pytest.approx(worst["daily_index"])
    effects = sum(c["effect"] for c in explained["components"].values())
    assert effects == pytest.approx(explained["change"]["daily_index"])
    sentiment = explained["components"]["sentiment"]
    assert sentiment["inputs"]["negative"] > sentiment["inputs"]["positive"]
    assert len(sentiment["items"]) == 3 and all(i["url"].startswith("http") for i in sentiment["items"])
    assert all(i["value"] <= -0.05 for i in sentiment["items"])  # the most negative items of a bad day


def test_explain_prints_a_table_with_links(demo_config: str) -> None:
    code, output = invoke("explain", "--config", demo_config, *ACME)
    assert code == 0, output
    assert "components (largest effect first)" in output and "what moved it" in output and "http" in output
    assert "founders' RoR % (" in output and "linked people helped came back" in output


def test_explain_an_unknown_day_is_a_usage_error(demo_config: str) -> None:
    code, output = invoke("explain", "--date", "1999-01-01", "--config", demo_config, *ACME)
    assert code == EXIT_USAGE and "no index point" in output
    code, output = invoke("explain", "--date", "yesterday", "--config", demo_config, *ACME)
    assert code == EXIT_USAGE and "YYYY-MM-DD" in output


def test_people_lists_the_ledger_and_shows_one_person(demo_config: str) -> None:
    code, output = invoke("people", "--top", "5", "--json", "--config", demo_config, *ACME)
    assert code == 0, output
    people = json.loads(output)
    assert len(people) == 5
    assert [p["interactions"] for p in people] == sorted((p["interactions"] for p in people), reverse=True)
    top = people[0]
    assert top["replies_received"] > 0 and top["returning"] and top["first_seen_at"] <= top["last_seen_at"]

    code, output = invoke("people", f"@{top['handle']}", "--json", "--config", demo_config, *ACME)
    assert code == 0, output
    history = json.loads(output)
    assert history["person"]["author_external_id"] == top["author_external_id"]
    assert sum(d["interactions"] for d in history["days"]) == top["interactions"]
    assert history["items"] and all(i["url"] for i in history["items"])

    code, output = invoke("people", top["handle"], "--config", demo_config, *ACME)
    assert code == 0 and "sentiment over time" in output


def test_people_shows_linked_identities_hashed_and_follows_a_person_into_the_crm(demo_config: str) -> None:
    code, output = invoke("people", "--top", "500", "--json", "--config", demo_config, *ACME)
    assert code == 0, output
    people = json.loads(output)
    linked = [p for p in people if p["linked"]]
    assert 0 < len(linked) < len(people)
    assert {i["kind"] for p in linked for i in p["linked"]["identities"]} == {"social", "email", "customer"}
    hashed = [i for p in linked for i in p["linked"]["identities"] if i["kind"] != "social"]
    assert all(set(i) == {"kind", "hash", "shown"} and len(i["hash"]) == 8 for i in hashed)
    assert "customers.example" not in output and not re.search(r"\bC\d{3}\b", output)  # no address, no CRM id

    with (Path(demo_config).parent / "crm" / "customers.csv").open() as file:
        customer = next(row for row in csv.DictReader(file) if row["social_handle"])
    handle = customer["social_handle"].removeprefix("mastodon:@")
    code, output = invoke("people", f"email:{customer['email']}", "--json", "--config", demo_config, *ACME)
    assert code == 0, output
    history = json.loads(output)
    assert history["person"]["handle"] == handle
    assert {"order", "crm", "mastodon"} <= {e["channel"] for e in history["across_channels"]["timeline"]}
    code, output = invoke("people", f"customer:{customer['customer_id']}", "--config", demo_config, *ACME)
    assert code == 0 and "across channels" in output and "linked to: mastodon:@" in output
    assert customer["email"] not in output
    code, output = invoke("people", "email:nobody@customers.example", "--config", demo_config, *ACME)
    assert code == EXIT_USAGE and "names nobody in the imported data" in output


def test_people_sorted_by_sentiment_shows_the_unhappiest_first(demo_config: str) -> None:
    code, output = invoke("people", "--sort", "sentiment", "--top", "10", "--json", "--config", demo_config, *ACME)
    assert code == 0, output
    means = [p["mean_compound"] for p in json.loads(output) if p["mean_compound"] is not None]
    assert means == sorted(means) and means[0] < 0


def test_people_unknown_person_is_a_usage_error(demo_config: str) -> None:
    code, output = invoke("people", "@nobody_here", "--config", demo_config, *ACME)
    assert code == EXIT_USAGE and "nobody called" in output


def test_recompute_rebuilds_the_same_series(demo_config: str) -> None:
    before = points(demo_config)
    code, output = invoke("recompute", "--config", demo_config)
    assert code == 0 and "rebuilt from all history" in output, output
    since = (date.fromisoformat(before[-1]["day"]) - timedelta(days=3)).isoformat()
    code, output = invoke("recompute", "--since", since, "--profile", "acme", "--config", demo_config)
    assert code == 0 and f"rebuilt from {since}" in output, output
    after = points(demo_config)
    expected = [(p["day"], pytest.approx(p["daily_index"])) for p in before]
    assert [(p["day"], p["daily_index"]) for p in after] == expected
