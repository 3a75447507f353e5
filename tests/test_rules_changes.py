"""``eligibility rules changes``: the parameter values that change between two dates, from the dated data."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from typer.testing import CliRunner

from eligibility import load_catalogue
from eligibility._changelog import changes_between
from eligibility._commands import app

from conftest import RULES

runner = CliRunner()


def _split(root, value: int, certainty: str, article: str):
    """A copy of the bundled rules where jobs created is 3 until 2026-12-31 and ``value`` from
    2027-01-01 (data edited, as a rule author would)."""
    rules = root / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "parameters" / "talent.yaml"
    text = path.read_text(encoding="utf-8")
    block = text.index("id: returnee.subsidy_min_jobs")
    old = "      - from: 2021-01-01\n        value: 3\n"
    at = text.index(old, block)
    end = text.index("\n  - id:", at) + 1 if "\n  - id:" in text[at:] else len(text)
    first = text[at:end].replace("value: 3\n", "to: 2026-12-31\n        value: 3\n", 1)
    second = (
        f"      - from: 2027-01-01\n        value: {value}\n        certainty: {certainty}\n"
        f"        citations: [{{source: ers_2021_36, article: {article}}}]\n"
    )
    path.write_text(text[:at] + first + second + text[end:], encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def dated_rules(tmp_path_factory):
    """One new dated value: jobs created 3 until 2026-12-31, 4 from 2027-01-01."""
    return _split(tmp_path_factory.mktemp("raised"), 4, "assumption", "假设的新规定：带动就业4人及以上")


@pytest.mark.parametrize(
    ("start", "end", "listed"),
    [
        (date(2026, 11, 25), date(2026, 12, 31), False),  # up to the day before the change
        (date(2026, 11, 25), date(2027, 1, 1), True),  # up to the day it takes effect
        (date(2026, 12, 31), date(2027, 6, 1), True),  # from the last day of the old value
        (date(2027, 1, 1), date(2027, 6, 1), False),  # from the day it takes effect (exclusive)
    ],
)
def test_a_new_value_is_listed_on_the_day_it_takes_effect(dated_rules, start, end, listed):
    params, _ = changes_between(load_catalogue(dated_rules), start, end)
    assert [c.parameter for c in params] == (["returnee.subsidy_min_jobs"] if listed else [])


def test_the_change_carries_both_values_and_their_citations(dated_rules):
    (change,), _ = changes_between(load_catalogue(dated_rules), date(2026, 11, 25), date(2027, 6, 1))
    assert change.on == date(2027, 1, 1) and change.value_changed
    assert (change.before.value, change.after.value) == (3, 4)
    assert change.after.citations[0].article == "假设的新规定：带动就业4人及以上"
    assert change.before.citations[0].article == "带动就业3人及以上"


def test_the_bundled_2024_listing_rules_are_listed_with_their_sources():
    params, _ = changes_between(load_catalogue(RULES), date(2024, 4, 29), date(2024, 4, 30))
    by_id = {c.parameter: c for c in params}
    assert by_id["chinext.std2_market_cap"].before.value == 1_000_000_000
    assert by_id["chinext.std2_market_cap"].after.value == 1_500_000_000
    assert all(c.on == date(2024, 4, 30) for c in params)


def test_a_new_period_with_the_same_value_is_marked_as_such(tmp_path):
    """The value stays 3; only its certainty and citation change: listed, with value_changed False."""
    rules = _split(tmp_path, 3, "assumption", "假设：延续")
    (change,), _ = changes_between(load_catalogue(rules), date(2026, 11, 25), date(2027, 6, 1))
    assert not change.value_changed and (change.before.certainty.value, change.after.certainty.value) == ("third_party", "assumption")


def test_the_command_prints_json_with_citations(dated_rules):
    result = runner.invoke(app, ["rules", "changes", "--from", "2026-11-25", "--to", "2027-06-01", "--rules", str(dated_rules), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (change,) = data["parameters"]
    assert (change["before"]["value"], change["after"]["value"]) == ("3人", "4人")
    assert change["after"]["citations"][0]["article"] == "假设的新规定：带动就业4人及以上"
    assert data["catalogue"]["fingerprint"] == load_catalogue(dated_rules).fingerprint


def test_the_command_table_names_the_date_and_values(dated_rules):
    result = runner.invoke(app, ["rules", "changes", "--from", "2026-11-25", "--to", "2027-06-01", "--rules", str(dated_rules)])
    assert result.exit_code == 0, result.output
    assert "2027-01-01" in result.output and "3人" in result.output and "4人" in result.output


def test_an_end_before_the_start_is_a_usage_error():
    result = runner.invoke(app, ["rules", "changes", "--from", "2025-01-01", "--to", "2024-01-01"])
    assert result.exit_code == 2
