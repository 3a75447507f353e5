"""The record of what decided a result: versions, rules fingerprint, date of evaluation."""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import date

from typer.testing import CliRunner

import eligibility
from eligibility import Record, evaluate, load_catalogue, record_of
from eligibility._commands import app

from conftest import AS_OF, EXAMPLES, ROOT, RULES, make_profile

runner = CliRunner()


def test_a_report_carries_the_record_of_its_catalogue_and_date(catalogue):
    """Package and catalogue versions, the rules fingerprint and the date are in the report."""
    report = evaluate(make_profile(), as_of=AS_OF, catalogue=catalogue)
    assert report.record == Record(
        package="zhushan-eligibility",
        package_version=eligibility.__version__,
        catalogue=catalogue.info.name.zh,
        catalogue_version=catalogue.info.version,
        rules_fingerprint=catalogue.fingerprint,
        as_of=AS_OF,
    )


def test_the_record_names_the_date_the_report_was_evaluated_on(catalogue):
    """Two dates give two records that differ only in the date."""
    early = evaluate(make_profile(), as_of=date(2024, 6, 1), catalogue=catalogue).record
    late = evaluate(make_profile(), as_of=AS_OF, catalogue=catalogue).record
    assert early.as_of == date(2024, 6, 1) and late.as_of == AS_OF
    assert early.model_copy(update={"as_of": AS_OF}) == late


def test_a_report_without_explanations_carries_the_same_record(catalogue):
    """The batch path (explain=False) records the same."""
    assert evaluate(make_profile(), as_of=AS_OF, catalogue=catalogue, explain=False).record == record_of(catalogue, AS_OF)


def test_the_fingerprint_changes_when_a_rule_file_changes(tmp_path):
    """Editing one parameter's file gives another fingerprint; the same files give the same."""
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    assert load_catalogue(copy).fingerprint == load_catalogue(RULES).fingerprint
    target = next((copy / "parameters").glob("*.yaml"))
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_catalogue(copy).fingerprint != load_catalogue(RULES).fingerprint


def test_the_record_is_in_the_json_report():
    """``check --format json`` shows the record."""
    result = runner.invoke(app, ["check", str(EXAMPLES / "battery_materials.json"), "--format", "json", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["record"]
    assert record["as_of"] == "2026-11-25"
    assert record["rules_fingerprint"] == load_catalogue().fingerprint
    assert record["package_version"] == eligibility.__version__


def test_version_option_prints_the_package_version_and_rules_fingerprint():
    """``eligibility --version`` names the package version, catalogue version and fingerprint."""
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    catalogue = load_catalogue()
    assert result.stdout.splitlines()[0] == f"eligibility {eligibility.__version__}"
    assert f"catalogue_version: {catalogue.info.version}" in result.stdout
    assert f"rules_fingerprint: {catalogue.fingerprint}" in result.stdout


def test_the_package_version_is_the_one_the_build_reads():
    """pyproject.toml takes the version from the module the record reads."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "eligibility/_version.py"
