"""No hidden engine limit: a catalogue larger than one durable-rules ruleset holds is split
and decides as Python does; what cannot be split is reported by lint with file and line."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from typer.testing import CliRunner

from eligibility import evaluate, load_catalogue, load_profile
from eligibility._commands import app
from eligibility._evaluate import engine_for, evaluate_verdicts
from eligibility.authoring.lint import lint

from conftest import AS_OF, EXAMPLES, RULES, make_profile

GENERATED = 200


def _generated_support(base: dict, i: int) -> dict:
    """Support ``gen_i``: staff_total >= i+1, and an industrial sector or st_staff >= i % 7 + 1
    (each with its own thresholds, so durable-rules shares no node between them)."""
    rule = {k: v for k, v in base.items() if k not in ("monotone", "rests_on", "basis")}
    rule["id"] = f"gen_{i:03d}"
    rule["basis"] = "plan"
    rule["rests_on"] = base.get("rests_on", [])
    rule["conditions"] = {
        "all": [
            {"fact": "staff_total", "op": ">=", "value": i + 1},
            {"any": [{"fact": "sector", "op": "==", "value": "industry"}, {"fact": "st_staff", "op": ">=", "value": i % 7 + 1}]},
        ]
    }
    return rule


def python_decision(i: int, staff: float | None, sector: str | None, st_staff: float | None) -> str:
    """The verdict on ``gen_i`` decided directly from its definition (three-valued)."""
    def known(value, test):
        return None if value is None else test(value)

    first = known(staff, lambda v: v >= i + 1)
    either = [known(sector, lambda v: v == "industry"), known(st_staff, lambda v: v >= i % 7 + 1)]
    second = True if True in either else (False if either == [False, False] else None)
    both = [first, second]
    if False in both:
        return "not_eligible"
    return "eligible" if both == [True, True] else "needs_information"


@pytest.fixture(scope="module")
def big_catalogue(tmp_path_factory):
    root = tmp_path_factory.mktemp("big") / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "supports" / "returnee_entrepreneurship.yaml").read_text(encoding="utf-8"))
    for i in range(GENERATED):
        text = yaml.safe_dump(_generated_support(base, i), allow_unicode=True, sort_keys=False)
        (root / "supports" / f"gen_{i:03d}.yaml").write_text(text, encoding="utf-8")
    return load_catalogue(root)


PROFILES = [
    {"staff_total": 186, "sector": "industry"},
    {"staff_total": 186, "sector": "wholesale", "st_staff": 3},
    {"staff_total": 57, "st_staff": 5},
    {"staff_total": 0, "sector": "industry"},
    {"staff_total": 120},
    {"sector": "industry", "st_staff": 0},
    {},
]


@pytest.mark.parametrize("fields", PROFILES)
def test_two_hundred_generated_supports_decide_as_python_does(big_catalogue, fields):
    verdicts = evaluate_verdicts(make_profile(**fields), as_of=AS_OF, catalogue=big_catalogue)
    for i in range(GENERATED):
        expected = python_decision(i, fields.get("staff_total"), fields.get("sector"), fields.get("st_staff"))
        assert verdicts[f"gen_{i:03d}"].value == expected, i


def test_the_large_catalogue_is_split_over_several_engine_rulesets(big_catalogue):
    evaluate_verdicts(make_profile(staff_total=186, sector="industry"), as_of=AS_OF, catalogue=big_catalogue)
    assert engine_for(big_catalogue.at(AS_OF)).part_count > 1


def test_the_explained_reports_agree_with_the_engine_on_the_large_catalogue(big_catalogue):
    """``evaluate`` checks every engine verdict against the Python explanation (EngineError otherwise)."""
    for f in sorted(EXAMPLES.glob("*.json")):
        p = load_profile(f)
        assert evaluate(p, as_of=AS_OF, catalogue=big_catalogue).verdicts() == evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue)


def test_sixteen_threads_on_the_large_catalogue_give_the_serial_verdicts(big_catalogue, tmp_path):
    profiles = [make_profile(**fields) for fields in PROFILES]
    serial = [evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue) for p in profiles]
    with ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(lambda p: evaluate_verdicts(p, as_of=AS_OF, catalogue=big_catalogue), profiles * 16))
    assert parallel == serial * 16


def test_the_bundled_catalogue_fits_one_engine_ruleset(catalogue):
    for f in sorted(EXAMPLES.glob("*.json")):
        evaluate_verdicts(load_profile(f), as_of=AS_OF, catalogue=catalogue)
    assert engine_for(catalogue.at(AS_OF)).part_count == 1


def _nested(depth: int) -> dict:
    node: dict = {"fact": "staff_total", "op": ">=", "value": 1}
    for level in range(depth):
        other = {"fact": "st_staff", "op": ">=", "value": level + 1}
        node = {"all" if level % 2 else "any": [node, other]}
    return node


def test_lint_reports_a_rule_nested_deeper_than_the_engine_holds_with_file_and_line(tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    base = yaml.safe_load((RULES / "supports" / "returnee_entrepreneurship.yaml").read_text(encoding="utf-8"))
    rule = _generated_support(base, 0)
    rule["id"] = "too_deep"
    rule["conditions"] = _nested(18)
    (root / "supports" / "too_deep.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = lint(root)
    found = [f for f in report.errors if f.file == "supports/too_deep.yaml"]
    assert found and found[0].line is not None and "nested too deeply" in found[0].message
    result = CliRunner().invoke(app, ["rules", "lint", str(root)])
    assert result.exit_code == 1 and "supports/too_deep.yaml:" in result.output
