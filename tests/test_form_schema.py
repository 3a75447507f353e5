"""The form schema: valid JSON Schema, every example fits it, and it refuses what the library
refuses wherever JSON Schema can say so."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from eligibility import ProfileError, form_json_schema, parse_profile
from eligibility._form_schema import CHECKS
from eligibility.report import Report

from conftest import EXAMPLES

CJK = re.compile(r"[\u4e00-\u9fff]")
SCHEMA = form_json_schema()
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
BASE = json.loads((EXAMPLES / "battery_materials.json").read_text(encoding="utf-8"))
NEXT_YEAR = date.today().year + 1


def _nodes(node: Any):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _nodes(v)


def _with(change) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_the_form_schema_is_valid_draft_2020_12():
    """It validates against the Draft 2020-12 meta-schema."""
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_fits_the_form_schema(path):
    """The bundled example profiles validate against it."""
    errors = [e.message for e in VALIDATOR.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
    assert errors == []


def test_the_form_schema_has_no_null_branches():
    """No node allows null and none defaults to null: leaving a field out means unknown."""
    for node in _nodes(SCHEMA):
        assert node.get("type") != "null" and "null" not in (node.get("type") or [])
        assert not ("default" in node and node["default"] is None)
        assert "anyOf" not in node


def test_every_choice_has_a_chinese_label():
    """Each enumeration is a oneOf of const with a Chinese title (and an English one)."""
    choices = [n for n in _nodes(SCHEMA) if "const" in n]
    assert len(choices) > 50
    assert all(CJK.search(c["title"]) and c["x-title-en"] for c in choices)
    assert not any("enum" in n for n in _nodes(SCHEMA))
    park = {c["const"]: c["title"] for c in SCHEMA["$defs"]["Park"]["oneOf"]}
    assert park["chengbei"] == "城北绿色低碳产业园"


def test_units_are_x_unit_and_no_unknown_keyword_remains():
    """``unit`` became ``x-unit``; money fields say 元."""
    text = json.dumps(SCHEMA, ensure_ascii=False)
    assert '"unit"' not in text
    assert SCHEMA["$defs"]["FiscalYear"]["properties"]["rd_expense"]["x-unit"] == "元"
    assert SCHEMA["properties"]["staff_total"]["x-unit"] == "人"


def test_a_field_the_enterprise_cannot_change_is_marked_x_fixed():
    """``fixed`` (the enterprise cannot change it: who its founder is, its sector) became ``x-fixed``."""
    text = json.dumps(SCHEMA, ensure_ascii=False)
    assert '"fixed"' not in text
    assert SCHEMA["properties"]["sector"]["x-fixed"] is True
    assert SCHEMA["$defs"]["Founder"]["properties"]["is_returnee"]["x-fixed"] is True
    assert "x-fixed" not in SCHEMA["properties"]["staff_total"]


def test_every_defs_entry_has_a_chinese_title():
    """``$defs`` titles are Chinese, not class names."""
    assert all(CJK.search(sub["title"]) for sub in SCHEMA["$defs"].values())


def test_every_property_has_a_chinese_title_and_an_english_one():
    """Each field of the profile and its parts has title (Chinese) and x-title-en."""
    models = [SCHEMA, *(d for d in SCHEMA["$defs"].values() if "properties" in d)]
    for model in models:
        for name, prop in model["properties"].items():
            assert CJK.search(prop["title"]) and prop["x-title-en"], name


REFUSED_BY_BOTH = {
    "negative R&D expense": lambda d: d["financials"][0].update(rd_expense=-1),
    "staff above the bound": lambda d: d.update(staff_total=10_000_001),
    "unknown park": lambda d: d.update(park="nowhere"),
    "unknown industry chain": lambda d: d.update(industry_chains=["nope"]),
    "USCC of 17 characters": lambda d: d.update(uscc=d["uscc"][:17]),
    "USCC with a letter GB 32100 leaves out": lambda d: d.update(uscc="I" + d["uscc"][1:]),
    "unknown field": lambda d: d.update(turnover=5),
    "fiscal year after this one": lambda d: d["financials"][0].update(year=NEXT_YEAR),
    "fiscal year before 1980": lambda d: d["financials"][0].update(year=1979),
    "self-assessed points above 30": lambda d: d.setdefault("hnte_self_assessment", {}).update(ip_points=31),
    "empty name": lambda d: d.update(name=""),
    "no name": lambda d: d.pop("name"),
    "a word for a yes/no": lambda d: d.setdefault("certifications", {}).update(hnte_certified="maybe"),
    "a date that is no date": lambda d: d.update(registration_date="2019-02-30"),
}


@pytest.mark.parametrize("change", REFUSED_BY_BOTH.values(), ids=REFUSED_BY_BOTH.keys())
def test_the_form_schema_refuses_what_the_library_refuses(change):
    """Each of these is a ProfileError in the library and a schema error in the form."""
    data = _with(change)
    with pytest.raises(ProfileError):
        parse_profile(data)
    assert list(VALIDATOR.iter_errors(data))


BEYOND_JSON_SCHEMA = {
    "uscc_check_digit": lambda d: d.update(uscc=d["uscc"][:17] + ("0" if d["uscc"][17] != "0" else "1")),
    "not_future": lambda d: d.update(registration_date=(date.today() + timedelta(days=1)).isoformat()),
    "st_staff_within_staff": lambda d: d.update(staff_total=10, st_staff=11),
    "unique_years": lambda d: d["financials"].append(dict(d["financials"][0])),
}


@pytest.mark.parametrize("code", BEYOND_JSON_SCHEMA, ids=BEYOND_JSON_SCHEMA.keys())
def test_what_the_form_schema_cannot_say_is_listed_in_x_checks(code):
    """The library refuses these with the code x-checks names; the schema cannot say them."""
    data = _with(BEYOND_JSON_SCHEMA[code])
    with pytest.raises(ProfileError) as refused:
        parse_profile(data)
    assert code in {p.code for p in refused.value.problems}  # the code a refusal carries
    assert list(VALIDATOR.iter_errors(data)) == []
    assert code in {c["code"] for c in SCHEMA["x-checks"]}


def test_the_report_models_attribute_docs_reach_their_schema():
    """A field documented by a docstring has it as its description."""
    schema = Report.model_json_schema()
    assert schema["properties"]["supports"]["description"] == "Every support in force, ordered by category then id."
    assert "近三年研发费用需增加" in schema["$defs"]["Gap"]["properties"]["change"]["description"]
