"""Bilingual text: Chinese (the users' language, default) and English."""

from __future__ import annotations

import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


class Text(BaseModel):
    """A phrase in Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str

    def __call__(self, lang: Lang = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:
        return self.zh


def bi(zh: str, en: str) -> Text:
    """Shorthand for a :class:`Text`."""
    return Text(zh=zh, en=en)


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a spreadsheet: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
