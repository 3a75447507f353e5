"""The bundled catalogue as a whole: it compiles on every date a value changes, every rule reads
well in both languages, every support cites the plan, and points tables behave as written."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from eligibility import RuleError, evaluate, load_catalogue
from eligibility._compiler import compile_view
from eligibility._facts import FactContext, Ratio
from eligibility._rule_text import rule_lines
from eligibility._schema import ParameterValue

from conftest import AS_OF, RULES, make_profile


def change_dates(cat) -> list[dt.date]:
    days = {AS_OF}
    for param in cat.parameters.values():
        for v in param.values:
            days.add(v.from_)
            if v.to is not None:
                days.add(v.to)
                days.add(v.to + dt.timedelta(days=1))
    return sorted(d for d in days if d >= dt.date(2022, 1, 1))


def test_the_catalogue_compiles_on_every_date_a_value_changes(catalogue):
    """durable-rules accepts every rule (at most 15 groups) whichever values are in force."""
    for day in change_dates(catalogue):
        compiled = compile_view(catalogue.at(day))
        assert compiled.definition


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_rule_renders_in_both_languages(catalogue, lang):
    """`rules show` text exists for every rule; English text has no Chinese group colon."""
    for rule in catalogue.rules.values():
        text = "\n".join(rule_lines(catalogue, rule, lang, AS_OF))
        assert rule.id in text
        if lang == "en":
            assert "Conditions" in text and "：\n" not in text + "\n"


def test_every_support_cites_the_action_plan(catalogue):
    """A support names the clause of 竹政办发〔2022〕26号 that offers it."""
    for rule in catalogue.rules.values():
        if rule.kind == "support":
            assert any(c.source == "zhushan_2022_26" and c.article for c in rule.citations), rule.id


def test_every_non_official_value_says_why(catalogue):
    """An assumption carries a note on the value or on its parameter, or a qualified citation."""
    for param in catalogue.parameters.values():
        for v in param.values:
            if v.certainty.value == "assumption":
                assert v.note or param.note or any("待核对" in (c.article or "") for c in v.citations), param.id


def test_a_full_empty_profile_gets_a_verdict_on_every_support(catalogue):
    report = evaluate(make_profile(), as_of=AS_OF, catalogue=catalogue)
    assert len(report.supports) >= 20


# --- Points tables --------------------------------------------------------------------


def table(*bands):
    return ParameterValue.model_validate(
        {"from": "2020-01-01", "points": list(bands), "certainty": "official", "citations": [{"source": "x"}]}
    )


def ctx(**params):
    return FactContext(make_profile(), AS_OF, params=params)


def test_a_band_includes_its_lower_bound():
    c = ctx(t=table({"min": "30%", "points": 20}, {"min": "10%", "points": 4}))
    assert c.points("t", Ratio(Decimal(30), Decimal(100))) == 20
    assert c.points("t", Ratio(Decimal(2999), Decimal(10000))) == 4
    assert c.points("t", Ratio(Decimal(999), Decimal(10000))) == 0


def test_an_exclusive_band_excludes_its_bound():
    c = ctx(t=table({"min": 0, "exclusive": True, "points": 1}))
    assert c.points("t", Ratio(Decimal(0), Decimal(5))) == 0
    assert c.points("t", Ratio(Decimal(1), Decimal(10**9))) == 1


def test_a_ratio_over_zero_scores_nothing():
    assert ctx(t=table({"min": "1%", "points": 5})).points("t", Ratio(Decimal(1), Decimal(0))) == 0


def test_points_bands_must_descend():
    with pytest.raises(ValidationError, match="highest"):
        table({"min": "10%", "points": 4}, {"min": "30%", "points": 20})


def test_a_points_table_cannot_be_compared_in_a_rule(tmp_path: Path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    f = root / "supports" / "kxz_evaluation.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace(
            "conditions:\n  rule: kxz_qualified\n",
            "conditions:\n  fact: kxz_score\n  op: \">=\"\n  param: kxz.st_staff_points\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as exc:
        load_catalogue(root)
    assert any("points table" in p.message for p in exc.value.problems)


def test_a_score_needs_its_tables(tmp_path: Path):
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    f = root / "parameters" / "kxz.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("id: kxz.ip_class_ii_points", "id: kxz.ip_class_ii_pointz"), encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_catalogue(root)
    assert any("kxz.ip_class_ii_points" in p.message for p in exc.value.problems)


def test_score_assumptions_are_reported():
    """The growth table is an assumption (low end of each band), so the HNTE verdict flags it."""
    p = make_profile(certifications={"hnte_certified": False})
    result = evaluate(p, as_of=AS_OF, catalogue=RULES).support("hnte_recognition")
    assert "hnte.growth_points" in [a.parameter for a in result.assumptions]


def test_the_changelog_says_what_changed_in_the_current_catalogue_version():
    """A zone office reads rules/CHANGELOG.md to see what moved: every version bump gets an entry."""
    version = load_catalogue(RULES).info.version
    changelog = (RULES / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {version} — " in changelog
