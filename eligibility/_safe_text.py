"""Text the enterprise wrote, made safe for where it is shown.

An enterprise's name (and any cell quoted back) is data, and must stay data in whatever
opens the output: a spreadsheet must not run it as a formula, a Markdown or HTML page must
not render it as markup, a terminal must not take it as escape codes. Each output applies
the one function for its medium here, to every text it did not write itself.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Leading characters that make spreadsheet software (Excel, WPS, LibreOffice) read a cell
as a formula or a DDE command, per the OWASP CSV injection guidance (the full-width forms
too: some spreadsheet software folds them to ASCII)."""

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 control characters (ESC starts terminal escape sequences; CSI is \\x9b) and
bidirectional overrides, which can make a terminal show text other than what it holds;
tab and newline are kept."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def for_spreadsheet(value: object) -> object:
    """A cell value as a spreadsheet must show it: text that would start a formula gets a
    leading apostrophe (OWASP); numbers and other values are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def for_terminal(text: str) -> str:
    """``text`` without control characters or bidirectional overrides (each shown as ``?``)."""
    return _CONTROL.sub("?", text)


def for_markdown(text: str) -> str:
    """``text`` as literal inline Markdown (and HTML): one line, markup characters escaped,
    ``<``/``>``/``&`` as entities, control characters removed."""
    one_line = " ".join(for_terminal(text).split())
    html = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html)
