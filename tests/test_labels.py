"""Labels of profile fields in Chinese and English."""

from __future__ import annotations

import re
import typing

from pydantic import BaseModel

from eligibility._fields import field_label
from eligibility._labels import FIELD_EN
from eligibility.profile import EnterpriseProfile, FiscalYear

CJK = re.compile(r"[\u4e00-\u9fff]")


def _paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        out.append(prefix + name)
        inner = [a for a in (info.annotation, *typing.get_args(info.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner and name != "financials":
            out += _paths(inner[0], f"{prefix}{name}.")
    return out


PATHS = _paths(EnterpriseProfile) + [f"financials.{n}" for n in FiscalYear.model_fields]


def test_every_profile_field_has_an_english_label():
    """Each field of the profile (and of a fiscal year) has one; none is left over."""
    assert set(FIELD_EN) == set(PATHS)


def test_english_labels_are_words_not_paths():
    """No English label holds a dot, an underscore or Chinese."""
    for path, label in FIELD_EN.items():
        assert "." not in label and "_" not in label and not CJK.search(label), path


def test_field_label_in_english_names_a_yearly_figure_with_its_year():
    """``financials[2025].rd_expense`` reads 'R&D expense (2025)'."""
    assert field_label("financials[2025].rd_expense", "en") == "R&D expense (2025)"
    assert field_label("certifications.hnte_certified", "en") == "holds a high-tech enterprise (HNTE) certificate"


def test_field_label_in_chinese_is_the_models_title():
    """Chinese labels stay the model's titles."""
    assert field_label("certifications.hnte_certified") == "持有高新技术企业证书"
    assert field_label("financials[2025].rd_expense") == "2025年度研发费用"
