"""Date conditions in words, as the sources word them ("自发证之日起3年内（不含到期日）").

One wording for explanations, ``rules show`` and lint, from the resolved condition
(:class:`eligibility._dates.DateTest`): what is shown is what is decided.
"""

from __future__ import annotations

from ._dates import AS_OF, RELATION_WORDS, UNIT_WORDS, WINDOW_END, DateTest, Relation, Term
from ._facts import FACTS
from ._text import Lang, Text, bi


def _name(name: str, lang: Lang) -> str:
    if name == AS_OF:
        return "评估日" if lang == "zh" else "the evaluation date"
    spec = FACTS.get(name)
    return spec.label(lang) if spec else name


def _amount(term: Term, lang: Lang) -> str:
    assert term.unit is not None
    unit = UNIT_WORDS[term.unit][lang]
    return f"{term.amount}{unit}" if lang == "zh" else f"{term.amount} {unit}"


def term_text(term: Term, lang: Lang) -> str:
    """A date in words: 2013-01-01, 成立（注册）日期, 成立（注册）日期起满365日之日."""
    if term.name is None:
        base = term.day.isoformat() if term.day else "?"
    else:
        base = _name(term.name, lang)
    if not term.shifted:
        return base
    if lang == "zh":
        return f"{base}起满{_amount(term, lang)}之日"
    return f"{_amount(term, lang)} after {base}"


def date_words(test: DateTest, lang: Lang) -> str:
    """The condition in words, in ``lang``."""
    subject = test.subject.name or ""
    if test.relation is Relation.within:
        assert test.end is not None
        length = _amount(test.end, lang)
        end = WINDOW_END[test.end_included][lang]
        start = term_text(test.anchor, lang)
        if lang == "zh":
            head = "" if subject == AS_OF else f"{_name(subject, 'zh')}在"
            return f"{head}自{start}起{length}内（{end}）"
        head = "" if subject == AS_OF else f"{_name(subject, 'en')} "
        return f"{head}within {length} from {start} ({end})"
    words = RELATION_WORDS[test.relation][lang]
    if lang == "zh":
        return f"{_name(subject, 'zh')}{words}{term_text(test.anchor, 'zh')}"
    return f"{_name(subject, 'en')} {words} {term_text(test.anchor, 'en')}"


def date_label(test: DateTest) -> Text:
    return bi(date_words(test, "zh"), date_words(test, "en"))


def window_text(test: DateTest, dates: dict[str, object], lang: Lang) -> str | None:
    """The dates the condition compares with, for one enterprise: "2024-02-29 – 2027-02-28（不含）"."""
    anchor = test.anchor.of(dates)  # type: ignore[arg-type]
    if anchor is None:
        return None
    if test.relation is not Relation.within:
        return f"{RELATION_WORDS[test.relation][lang]} {anchor.isoformat()}"
    assert test.end is not None
    end = test.end.of(dates)  # type: ignore[arg-type]
    if end is None:
        return None
    return f"{anchor.isoformat()} – {end.isoformat()}（{WINDOW_END[test.end_included][lang]}）" if lang == "zh" else (
        f"{anchor.isoformat()} – {end.isoformat()} ({WINDOW_END[test.end_included][lang]})"
    )
