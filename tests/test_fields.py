"""The field catalogue: one path grammar, one unwrapper, one walk over the profile model."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from eligibility import ProfileError
from eligibility._fields import (
    FieldPath,
    PathError,
    column_name,
    field_spec,
    find_path,
    format_path,
    get_field,
    parse_path,
    profile_fields,
    scalar_paths,
    set_field,
    unwrap,
    yearly_fields,
)
from eligibility.profile import MAX_AMOUNT, EnterpriseProfile, IndustryChain, Park, profile_json_schema


def _model_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every field of ``model`` and its nested models, walked independently of the catalogue."""
    out = []
    for name, info in model.model_fields.items():
        out.append(prefix + name)
        inner = [a for a in (info.annotation, *typing.get_args(info.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner:
            out += _model_paths(inner[0], f"{prefix}{name}.")
    return out


def _value_paths() -> list[str]:
    return scalar_paths() + [f"financials[2025].{n}" for n in yearly_fields()]


def _schema_of(path: str) -> dict[str, Any]:
    """``unit``, ``minimum`` and ``maximum`` of a field in the model's strict JSON schema,
    gathered through its ``anyOf`` / ``$ref`` / ``items`` wrappers."""
    schema = profile_json_schema()
    node: dict[str, Any] = schema
    found: dict[str, Any] = {}
    for part in path.replace("financials[2025]", "financials").split("."):
        found, todo = {}, [node["properties"][part]]
        while todo:
            node = todo.pop(0)
            found |= {k: v for k, v in node.items() if k in ("unit", "minimum", "maximum")}
            if "$ref" in node:
                todo.append(schema["$defs"][node["$ref"].rsplit("/", 1)[1]])
            todo += [node["items"]] if "items" in node else []
            todo += [b for b in node.get("anyOf", []) if b.get("type") not in ("null", "string")]
    return found


# --- The path grammar -----------------------------------------------------------------------


@given(st.sampled_from(_value_paths()), st.integers(1900, 2199))
def test_a_path_formatted_from_its_parts_parses_back_to_them(path: str, year: int) -> None:
    """format_path and parse_path are inverse, for scalar fields and any fiscal year's figure."""
    found = parse_path(path.replace("2025", str(year)))
    assert parse_path(format_path(found.key, found.year)) == found
    assert format_path(found.key, found.year) == found.path == path.replace("2025", str(year))


def test_a_yearly_figure_parses_from_its_path_and_from_its_column_name():
    """``financials[2025].x`` (reports) and ``financials.2025.x`` (table columns) name the same field."""
    expected = FieldPath("financials.rd_expense", 2025)
    assert parse_path("financials[2025].rd_expense") == parse_path("financials.2025.rd_expense") == expected
    assert expected.column == "financials.2025.rd_expense" and expected.name == "rd_expense"


def test_column_name_turns_a_yearly_path_into_a_column_and_leaves_other_text_alone():
    assert column_name("financials[2024].net_profit") == "financials.2024.net_profit"
    assert column_name("founder.is_returnee") == "founder.is_returnee"
    assert column_name("row 3: 企业名称") == "row 3: 企业名称"


@pytest.mark.parametrize(
    "path",
    ["", "founder..is_returnee", "financials[25].rd_expense", "financials[2025]", "financials[二〇二五].rd_expense", "职工总数"],
)
def test_a_malformed_path_is_refused_naming_it(path: str):
    with pytest.raises(PathError) as exc:
        parse_path(path)
    assert repr(path) in str(exc.value) and exc.value.problems[0].location == path


@pytest.mark.parametrize(
    "path",
    ["founder.is_retunee", "founder", "financials", "financials.rd_expense", "financials[2025].year", "financials[2025].bogus", "name.first"],
)
def test_a_path_naming_no_field_that_holds_a_value_is_refused_naming_it(path: str):
    """Unknown fields, groups (``founder``), a yearly figure without its year and the year itself."""
    with pytest.raises(PathError) as exc:
        parse_path(path)
    assert f"not a profile field): {path!r}" in str(exc.value)
    assert find_path(path) is None


def test_a_misspelt_path_suggests_the_closest_fields():
    with pytest.raises(PathError, match=r"did you mean 'financials\[2024\]\.rd_expense'"):
        parse_path("financials[2024].rd_expence")


def test_a_path_error_is_a_profile_error():
    """Front ends that show a ProfileError's problems by field show a bad path the same way."""
    with pytest.raises(ProfileError):
        field_spec("founder.is_retunee")


# --- The walk -------------------------------------------------------------------------------


def test_every_field_of_the_profile_model_appears_once_in_model_order():
    """Nested models' fields follow their group; a fiscal year's follow ``financials``."""
    assert list(profile_fields()) == _model_paths(EnterpriseProfile)


def test_the_walk_is_made_once():
    assert profile_fields() is profile_fields()
    assert field_spec("financials[2025].rd_expense") is field_spec("financials[2025].rd_expense")


def test_the_fields_holding_values_are_the_scalar_paths_and_the_yearly_figures():
    groups = {"financials", *(p.rsplit(".", 1)[0] for p in profile_fields() if "." in p)}
    assert scalar_paths() == [p for p in _model_paths(EnterpriseProfile) if p not in groups and not p.startswith("financials.")]
    assert yearly_fields() == [p.split(".")[1] for p in _model_paths(EnterpriseProfile) if p.startswith("financials.")][1:]


@pytest.mark.parametrize("path", _value_paths())
def test_each_field_spec_has_the_unit_and_bounds_the_model_declares(path: str):
    """Checked against the model's own JSON schema (``unit``, ``minimum``, ``maximum``)."""
    spec, node = field_spec(path), _schema_of(path)
    assert spec.path == path
    assert spec.unit == node.get("unit")
    assert spec.minimum == (None if "minimum" not in node else Decimal(str(node["minimum"])))
    assert spec.maximum == (None if "maximum" not in node else Decimal(str(node["maximum"])))


def test_a_yearly_figure_spec_names_its_year_in_both_languages():
    spec = field_spec("financials[2025].rd_expense")
    assert (spec.type, spec.unit, spec.minimum, spec.maximum) == ("int", "元", 0, MAX_AMOUNT)
    assert (spec.label.zh, spec.label.en) == ("2025年度研发费用", "R&D expense (2025)")


def test_signed_decimal_and_open_ended_fields_keep_their_bounds():
    assert (field_spec("financials[2025].net_profit").minimum, field_spec("financials[2025].net_profit").maximum) == (-MAX_AMOUNT, MAX_AMOUNT)
    staff = field_spec("staff_total")
    assert (staff.type, staff.unit, staff.minimum, staff.maximum) == ("decimal", "人", 0, 10_000_000)
    points = field_spec("hnte_self_assessment.ip_points")
    assert (points.type, points.unit, points.minimum, points.maximum) == ("int", "分", 0, 30)
    registered = field_spec("certifications.kxz_registration_year")
    assert (registered.type, registered.unit, registered.minimum, registered.maximum) == ("int", None, 2017, None)


def test_choices_carry_their_labels():
    park = field_spec("park")
    assert park.type == "enum" and park.choices == tuple(p.value for p in Park)
    assert park.choice_labels[park.choices.index("chengbei")].zh == "城北绿色低碳产业园"
    chains = field_spec("industry_chains")
    assert chains.type == "enum_list" and chains.choices == tuple(c.value for c in IndustryChain)
    assert len(chains.choice_labels) == len(chains.choices)


def test_other_kinds_of_field():
    assert [field_spec(p).type for p in ("name", "certifications.hnte_certified", "registration_date")] == ["str", "bool", "date"]


# --- The unwrapper --------------------------------------------------------------------------


def test_unwrap_takes_the_type_out_of_optional_and_annotated_with_its_constraints_and_unit():
    shape = unwrap(Annotated[int, Field(ge=3, le=9, json_schema_extra={"unit": "人"})] | None)
    assert shape.type is int and shape.optional and shape.unit == "人"
    assert [getattr(c, "ge", None) or getattr(c, "le", None) for c in shape.constraints] == [3, 9]


def test_unwrap_keeps_a_list_and_a_plain_type_as_they_are():
    assert unwrap(list[Park] | None) == (list[Park], True, (), None)
    assert unwrap(date) == (date, False, (), None)


# --- Profile data ---------------------------------------------------------------------------


def test_set_field_creates_the_fiscal_year_and_get_field_reads_it_back():
    data = {"name": "甲", "financials": [{"year": 2024, "net_profit": 5}]}
    out = set_field(data, "financials[2025].rd_expense", 7)
    out = set_field(out, "founder.is_returnee", True)
    assert get_field(out, "financials[2025].rd_expense") == 7 and get_field(out, "financials[2024].net_profit") == 5
    assert get_field(out, "founder.is_returnee") is True and get_field(out, "financials[2023].rd_expense") is None
    assert data == {"name": "甲", "financials": [{"year": 2024, "net_profit": 5}]}  # the input is not changed
