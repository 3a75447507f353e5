"""The enterprise profile validates what an enterprise enters, naming the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from eligibility import EnterpriseProfile, ProfileError, load_profile, parse_profile
from eligibility._uscc import check_character, uscc_problem

from conftest import EXAMPLES

VALID_USCC = "91420323MA4F0XK151"


def fields_of(exc: ProfileError) -> list[str]:
    return [p.location for p in exc.problems]


def test_a_valid_uscc_is_accepted():
    assert parse_profile({"name": "甲", "uscc": VALID_USCC}).uscc == VALID_USCC


def test_a_wrong_check_digit_is_rejected_naming_the_field():
    wrong = VALID_USCC[:-1] + ("2" if VALID_USCC[-1] != "2" else "3")
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "uscc": wrong})
    assert fields_of(exc.value) == ["uscc"]
    assert "校验码" in str(exc.value)


@pytest.mark.parametrize("code", ["91110108551385082Q", "91440300708461136T", "91350100M000100Y43"])
def test_check_character_matches_published_codes(code):
    """Codes published on business licences (Xiaomi, Tencent) and the GB 32100 sample."""
    assert check_character(code[:17]) == code[17]


def test_letters_outside_the_gb32100_charset_are_rejected():
    assert "不允许的字符" in (uscc_problem("91420323MA4F0XK15I") or "")


def test_a_negative_amount_is_rejected_naming_the_year_and_field():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "financials": [{"year": 2025, "rd_expense": -1}]})
    assert fields_of(exc.value) == ["financials[2025].rd_expense"]


def test_st_staff_above_total_staff_is_rejected_naming_st_staff():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "staff_total": 10, "st_staff": 11})
    assert fields_of(exc.value) == ["st_staff"]


def test_st_staff_equal_to_total_staff_is_accepted():
    assert parse_profile({"name": "甲", "staff_total": 10, "st_staff": 10}).st_staff == 10


def test_a_future_registration_date_is_rejected():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "registration_date": "2999-01-01"})
    assert fields_of(exc.value) == ["registration_date"]


def test_a_date_of_today_is_accepted_and_one_of_tomorrow_rejected():
    """"No date may lie in the future", on the day before, at and after today."""
    now = date.today()
    for day in (now - timedelta(days=1), now):
        assert parse_profile({"name": "甲", "registration_date": day.isoformat()}).registration_date == day
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "registration_date": (now + timedelta(days=1)).isoformat()})
    assert fields_of(exc.value) == ["registration_date"]


def test_a_fiscal_year_of_this_year_is_accepted_and_one_of_next_year_rejected():
    year = date.today().year
    assert [fy.year for fy in parse_profile({"name": "甲", "financials": [{"year": year}]}).financials] == [year]
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "financials": [{"year": year + 1}]})
    assert fields_of(exc.value) == [f"financials[{year + 1}].year"]


def test_an_unknown_field_is_rejected_by_name():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "revenue": 5})
    assert fields_of(exc.value) == ["revenue"]


def test_domestic_rd_above_total_rd_is_rejected():
    with pytest.raises(ProfileError) as exc:
        parse_profile({"name": "甲", "financials": [{"year": 2025, "rd_expense": 10, "rd_expense_domestic": 11}]})
    assert fields_of(exc.value) == ["financials[2025].rd_expense_domestic"]


def test_duplicate_fiscal_years_are_rejected():
    with pytest.raises(ProfileError):
        parse_profile({"name": "甲", "financials": [{"year": 2025}, {"year": 2025}]})


def test_fields_not_given_are_unknown_not_zero_or_false():
    p = EnterpriseProfile(name="甲")
    assert p.staff_total is None
    assert p.in_stats_register is None
    assert p.certifications.knowledge_value_grade is None


def test_a_part_left_out_is_one_empty_part_that_cannot_be_changed():
    """Profiles leaving a part out share one empty part (made once, not per profile): it
    equals the part given empty, and no profile can change it for the others."""
    first, second = EnterpriseProfile(name="甲"), parse_profile({"name": "乙"})
    assert first.capital is second.capital
    assert first.capital == parse_profile({"name": "丙", "capital": {}}).capital
    with pytest.raises(ValidationError):
        first.capital.institutional_investment = True  # type: ignore[misc]
    assert second.capital.institutional_investment is None


def test_every_bundled_example_is_a_valid_profile():
    files = sorted(EXAMPLES.glob("*.json"))
    assert files
    for f in files:
        assert load_profile(f).name


def test_a_missing_file_is_a_profile_error_not_a_traceback(tmp_path):
    with pytest.raises(ProfileError, match="文件不存在"):
        load_profile(tmp_path / "nope.json")


def test_bad_json_names_the_line(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{\n "name": "甲",\n "uscc": \n}', encoding="utf-8")
    with pytest.raises(ProfileError, match="line 4"):
        load_profile(f)


def test_the_json_schema_carries_chinese_titles():
    schema = EnterpriseProfile.model_json_schema()
    assert schema["properties"]["uscc"]["title"] == "统一社会信用代码"
