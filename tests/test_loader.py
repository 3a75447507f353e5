"""The rule loader validates rule files and names the file and line of each problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eligibility import RuleError, load_catalogue

from conftest import RULES


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def problems(root: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(RuleError) as exc:
        load_catalogue(root)
    return [(p.location, p.line, p.message) for p in exc.value.problems]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_the_bundled_catalogue_loads(catalogue):
    assert "tech_innovation_board_listing" in catalogue.rules


def test_a_yaml_syntax_error_names_file_and_line(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "kind: support", "kind: [support")
    [(file, line, msg)] = problems(rules_copy)
    assert file == "supports/returnee_entrepreneurship.yaml"
    assert line is not None and "YAML" in msg


def test_an_unknown_fact_names_file_line_and_a_suggestion(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "fact: founder.hukou_in_county", "fact: founder.hukou_in_conty")
    [(file, line, msg)] = problems(rules_copy)
    assert file == "supports/returnee_entrepreneurship.yaml"
    assert line == line_of(f, "founder.hukou_in_conty")
    assert "founder.hukou_in_conty" in msg and "founder.hukou_in_county" in msg


def test_a_missing_required_field_names_the_field(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "department: {zh: 竹山县人力资源和社会保障局, en: Zhushan County Human Resources and Social Security Bureau}\n", "")
    [(file, _line, msg)] = problems(rules_copy)
    assert file == "supports/returnee_entrepreneurship.yaml"
    assert "department" in msg


def test_a_wrong_operator_names_its_line(rules_copy):
    f = rules_copy / "supports" / "returnee_startup_subsidy.yaml"
    replace_in(f, 'op: ">="', 'op: "=<"')
    [(file, line, msg)] = problems(rules_copy)
    assert line == line_of(f, '"=<"')
    assert "op" in msg


def test_comparing_a_yes_no_fact_with_a_number_is_an_error(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("value: true", "value: 3", 1), encoding="utf-8")
    [(file, _line, msg)] = problems(rules_copy)
    assert "founder.is_returnee" in msg


def test_comparing_a_date_with_an_operator_is_an_error_pointing_to_date_conditions(rules_copy):
    """A date is compared by a date condition; ``registration_date >= 2020-01-01`` is refused
    with its file and line (it used to stop the evaluation with a traceback)."""
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "  all:\n", "  all:\n    - {fact: registration_date, op: '>=', value: 2020-01-01}\n")
    [(file, line, msg)] = problems(rules_copy)
    assert file.endswith("returnee_entrepreneurship.yaml") and line == line_of(f, "fact: registration_date")
    assert "registration_date" in msg and "date condition" in msg


def test_an_unknown_parameter_is_an_error(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "param: returnee.programme_window_years", "param: returnee.programme_window_yeers")
    [(_file, line, msg)] = problems(rules_copy)
    assert "returnee.programme_window_yeers" in msg and line == line_of(f, "window_yeers")


def test_a_duplicate_rule_id_is_an_error(rules_copy):
    shutil.copy(rules_copy / "supports" / "returnee_entrepreneurship.yaml", rules_copy / "supports" / "copy.yaml")
    [(file, _line, msg)] = problems(rules_copy)
    assert "returnee_entrepreneurship" in msg


def test_a_cycle_between_derived_rules_is_an_error(rules_copy):
    f = rules_copy / "derived" / "hnte_valid.yaml"
    replace_in(f, "  all:\n", "  all:\n    - rule: hnte_valid\n")
    found = problems(rules_copy)
    assert any("cycle" in msg for _f, _l, msg in found)


def test_an_unsafe_yaml_tag_is_refused_not_executed(rules_copy):
    f = rules_copy / "supports" / "returnee_entrepreneurship.yaml"
    replace_in(f, "kind: support", "kind: !!python/object/apply:os.system ['echo pwned']")
    [(file, _line, msg)] = problems(rules_copy)
    assert file == "supports/returnee_entrepreneurship.yaml" and "YAML" in msg


def test_a_missing_rules_directory_is_an_error(tmp_path):
    with pytest.raises(RuleError, match="不存在"):
        load_catalogue(tmp_path / "none")
