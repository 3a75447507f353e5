"""``eligibility interview``: scripted answers through Typer's test runner.

Most tests use a catalogue with the returnee support only, so the questions asked
(is_returnee, hukou_in_county, return_date) do not depend on the rest of the catalogue.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from eligibility._commands import app

from conftest import EXAMPLES

runner = CliRunner()


def interview(rules, answers, *args):
    return runner.invoke(app, ["interview", "--as-of", "2026-11-25", "--rules", rules, *args], input="\n".join(answers) + "\n")


def test_answers_settle_the_verdict_and_the_profile_is_saved(returnee_rules, tmp_path):
    """Each question names its field; the verdict is shown when it settles; the profile is saved."""
    out = tmp_path / "p.json"
    result = interview(returnee_rules, ["竹山测试公司", "是", "是", "2024-03-01", "y", str(out)])
    assert result.exit_code == 0, result.output
    assert "返乡创业人员" in result.output and "户籍在竹山县" in result.output
    assert "→ 可以申报：人才返乡创新创业支持" in result.output
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "name": "竹山测试公司",
        "founder": {"is_returnee": True, "hukou_in_county": True, "return_date": "2024-03-01"},
    }


def test_a_settled_verdict_ends_the_questions_it_decided(returnee_rules):
    """Once 'not a returnee' settles the only support, nothing more is asked."""
    result = interview(returnee_rules, ["甲公司", "否", "n"])
    assert result.exit_code == 0, result.output
    assert "→ 暂不符合：人才返乡创新创业支持" in result.output
    assert "户籍在竹山县  (" not in result.output


def test_a_wrong_answer_is_asked_again_with_the_reason(returnee_rules):
    """An answer of the wrong type, or out of range, is refused with its reason and asked again."""
    result = interview(returnee_rules, ["甲公司", "也许", "是", "是", "2999-01-01", "2024-03-01", "n"])
    assert result.exit_code == 0, result.output
    assert "应为 是 或 否" in result.output
    assert "晚于今天" in result.output
    assert "→ 可以申报" in result.output


def test_skipping_leaves_the_field_unknown(returnee_rules):
    """'?' or an empty answer skips a question; the support still needs that field."""
    result = interview(returnee_rules, ["甲公司", "是", "?", "", "n"])
    assert result.exit_code == 0, result.output
    assert "需补充信息：人才返乡创新创业支持" in result.output and "户籍在竹山县" in result.output


def test_q_stops_the_interview(returnee_rules):
    """'q' stops asking and shows the verdicts so far."""
    result = interview(returnee_rules, ["甲公司", "q", "n"])
    assert result.exit_code == 0, result.output
    assert "需补充信息" in result.output and "户籍在竹山县  (" not in result.output


def test_the_end_of_input_stops_without_a_traceback(returnee_rules):
    """Running out of answers ends the interview quietly."""
    result = interview(returnee_rules, ["甲公司"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_from_a_partial_profile_asks_only_what_is_unknown(returnee_rules, tmp_path):
    """--from starts with the profile's answers; known fields are not asked."""
    start = tmp_path / "start.json"
    start.write_text(json.dumps({"name": "乙公司", "founder": {"is_returnee": True}}), encoding="utf-8")
    result = interview(returnee_rules, ["是", "2024-03-01", "n"], "--from", str(start))
    assert result.exit_code == 0, result.output
    assert "返乡创业人员  (" not in result.output and "→ 可以申报" in result.output


def test_an_existing_file_is_not_overwritten_unasked(returnee_rules, tmp_path):
    """--save on an existing file asks first; declining and giving no other name saves nothing."""
    out = tmp_path / "p.json"
    out.write_text("keep me", encoding="utf-8")
    result = interview(returnee_rules, ["甲公司", "否", "n", ""], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "keep me"


def test_an_existing_file_can_be_overwritten_when_confirmed_or_saved_elsewhere(returnee_rules, tmp_path):
    """Declining the overwrite offers another name."""
    out = tmp_path / "p.json"
    out.write_text("keep me", encoding="utf-8")
    other = tmp_path / "other.yaml"
    result = interview(returnee_rules, ["甲公司", "否", "n", str(other)], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "keep me"
    assert "is_returnee: false" in other.read_text(encoding="utf-8")
    result = interview(returnee_rules, ["甲公司", "否", "y"], "--save", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["founder"] == {"is_returnee": False}


def test_choices_can_be_answered_by_number_or_label(tmp_path):
    """Enum questions list numbered choices; 1 and 未挂牌上市 both answer listing_status."""
    start = tmp_path / "s.json"
    data = json.loads((EXAMPLES / "battery_materials.json").read_text(encoding="utf-8"))
    del data["listing_status"]
    start.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for answer in ("1", "未挂牌上市", "none"):
        result = runner.invoke(app, ["interview", "--as-of", "2026-11-25", "--from", str(start)], input=f"{answer}\nq\nn\n")
        assert result.exit_code == 0, result.output
        assert "1) 未挂牌上市 (none)" in result.output
        assert "→ 可以申报：区域性股权市场科技创新板挂牌" in result.output


def test_interview_in_english(returnee_rules):
    """--lang en asks in English."""
    result = interview(returnee_rules, ["Co", "yes", "no", "n"], "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "founder.is_returnee" in result.output and "Not eligible" in result.output


def test_a_bad_starting_profile_exits_1(returnee_rules, tmp_path):
    """--from with an invalid profile names the field and exits 1."""
    start = tmp_path / "s.json"
    start.write_text(json.dumps({"name": "甲", "staff_total": -1}), encoding="utf-8")
    result = interview(returnee_rules, [], "--from", str(start))
    assert result.exit_code == 1 and "staff_total" in result.output
    result = interview(returnee_rules, [], "--from", str(tmp_path / "missing.json"))
    assert result.exit_code == 1 and "文件不存在" in result.output
