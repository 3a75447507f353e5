"""What it would take: the smallest change that meets a condition not met.

Gaps are worked out per comparison, in the enterprise's own terms (yuan of R&D
expense, persons, a grade, a title), then combined up the condition tree: every
failing part of an ``all``; the cheapest branch of an ``any``; for a derived rule,
"meet it first" with its own gaps. A gap can be applied to the profile
(:func:`apply_gaps`), which is how the tests check that it really closes the gap.
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ._dates import AS_OF, HORIZON_YEARS, DateTest, change_days, shift
from ._date_text import date_words
from ._facts import FACTS, FactKind, FactSpec, Ratio, lookup
from ._formulas import Field, FieldRatio, LastYear, RatioOverYears, YearsSinceYear
from ._fields import get_field, set_field, yearly_path
from ._labels import money, value_label
from .profile import EnterpriseProfile
from .report import ConditionResult, Gap, GapKind, Node, Status
from ._semantics import Op
from ._text import Text, bi

ONE = Decimal(1)


def _ceil(x: Decimal, step: Decimal = ONE) -> Decimal:
    return (x / step).to_integral_value(rounding=ROUND_CEILING) * step


def _amount_text(amount: Decimal, unit: str | None, lang: str) -> str:
    if unit == "元":
        return money(amount, lang)  # type: ignore[arg-type]
    shown = value_label(int(amount) if amount == amount.to_integral_value() else amount, lang)  # type: ignore[arg-type]
    return f"{shown}{unit or ''}" if lang == "zh" else f"{shown} {unit or ''}".rstrip()


def leaf_gap(spec: FactSpec, op: Op, required: Any, value: Any, profile: EnterpriseProfile | None, as_of: date) -> Gap:
    """The change that makes ``fact op required`` hold, given its current ``value``
    (``value`` and ``profile`` may be None where :func:`depends_on_value` says so)."""
    label = spec.label
    if spec.fixed:
        return Gap(
            kind=GapKind.unreachable,
            field=spec.name,
            change=bi(f"{label.zh}不符合要求", f"{label.en} does not qualify"),
        )
    if op in (Op.le, Op.lt) and spec.kind in (FactKind.number, FactKind.ratio):
        return Gap(
            kind=GapKind.unreachable,
            field=spec.name,
            change=bi(f"{label.zh}已超过上限", f"{label.en} is above the cap"),
        )
    if spec.years_since is not None:
        return _time_gap(spec, op, Decimal(required), profile)
    if spec.kind is FactKind.ratio:
        return _ratio_gap(spec, op, Decimal(required), value, as_of)
    if spec.kind is FactKind.number:
        return _number_gap(spec, op, Decimal(required), value, as_of)
    if spec.kind is FactKind.ordinal and op in (Op.eq, Op.le, Op.lt) and value is not None:
        if spec.choices.index(value) > spec.choices.index(required):
            return Gap(
                kind=GapKind.unreachable,
                field=spec.name,
                change=bi(
                    f"{spec.label.zh}已是 {value_label(value, 'zh', spec.enum)}，本项针对尚未达到的企业",
                    f"{spec.label.en} is already {value_label(value, 'en', spec.enum)}; this targets enterprises below it",
                ),
            )
    return _set_gap(spec, op, required, as_of)


def depends_on_value(spec: FactSpec, op: Op) -> bool:
    """Whether :func:`leaf_gap` for ``fact op ...`` depends on the enterprise's value (or
    its other data); when not, one gap per comparison and date serves every profile."""
    if spec.fixed or (op in (Op.le, Op.lt) and spec.kind in (FactKind.number, FactKind.ratio)):
        return False
    if spec.years_since is not None or spec.kind is FactKind.ratio:
        return True
    if spec.kind is FactKind.number:
        return op not in (Op.eq, Op.ne, Op.in_, Op.not_in)
    return spec.kind is FactKind.ordinal and op in (Op.eq, Op.le, Op.lt)


def _time_gap(spec: FactSpec, op: Op, required: Decimal, profile: EnterpriseProfile | None) -> Gap:
    assert spec.years_since is not None and profile is not None
    base = lookup(profile, spec.years_since.path)
    if op in (Op.ge, Op.gt) and base is not None:
        years = int(required) + (1 if op is Op.gt else 0)
        on = shift(base, spec.years_since.unit, years)
        return Gap(kind=GapKind.wait, field=spec.years_since.path, on=on, change=bi(f"{on.isoformat()} 起满足（{spec.label.zh}）", f"met from {on.isoformat()} ({spec.label.en})"))
    return Gap(
        kind=GapKind.unreachable,
        field=spec.years_since.path,
        change=bi(f"{spec.label.zh}已超出期限", f"{spec.label.en}: the window has passed"),
    )


def date_gap(test: DateTest, dates: Mapping[str, date | None]) -> Gap:
    """For a date condition not met: the day from which it is met by waiting (within
    ten years), or why no wait meets it (a window passed, a date not yet reached)."""
    today = dates[AS_OF]
    assert today is not None
    horizon = shift(today, "years", HORIZON_YEARS)
    for day in sorted(change_days(test, dates, horizon)):
        if test.truth({**dates, AS_OF: day}) is True:
            return Gap(
                kind=GapKind.wait,
                field=next(iter(test.profile_dates), test.subject.name),
                on=day,
                change=bi(f"{day.isoformat()} 起满足（{date_words(test, 'zh')}）", f"met from {day.isoformat()} ({date_words(test, 'en')})"),
            )
    later = next((n for n in test.profile_dates if (d := dates.get(n)) is not None and d > today), None)
    key = (id(test), later)
    found = _UNREACHABLE.get(key)
    if found is None or found[0] is not test:  # kept with its test: an id is reused once its object is gone
        if len(_UNREACHABLE) >= _MAX_UNREACHABLE:
            _UNREACHABLE.clear()
        found = _UNREACHABLE[key] = (test, _date_unreachable(test, later))
    return found[1]


def _date_unreachable(test: DateTest, later: str | None) -> Gap:
    """Why no wait meets a date condition: a date of the profile not yet reached (``later``),
    or the condition itself."""
    if later is not None:
        label = FACTS[later].label
        return Gap(
            kind=GapKind.unreachable,
            field=later,
            change=bi(f"{label.zh}晚于评估日（尚未发生）", f"{label.en} is after the evaluation date (not yet)"),
        )
    return Gap(
        kind=GapKind.unreachable,
        field=next(iter(test.profile_dates), test.subject.name),
        change=bi(f"不满足：{date_words(test, 'zh')}", f"not met: {date_words(test, 'en')}"),
    )


_UNREACHABLE: dict[tuple[int, str | None], tuple[DateTest, Gap]] = {}
"""The gaps of date conditions no wait meets, by condition and the date not yet reached: the
same for every enterprise, made once (a frozen model, shared)."""
_MAX_UNREACHABLE = 4096


def _ratio_gap(spec: FactSpec, op: Op, t: Decimal, value: Ratio, as_of: date) -> Gap:
    """Raise the ratio's numerator by the formula's lever: profile fields (staff, in whole
    persons), or the last fiscal year's figures."""
    formula = spec.formula
    lever = formula.lever if isinstance(formula, (RatioOverYears, FieldRatio)) else None
    if lever is None or value.den == 0:
        return Gap(kind=GapKind.other, field=spec.name, change=bi(f"{spec.label.zh}需达到 {_pct(t)}", f"{spec.label.en} must reach {_pct(t)}"))
    # (num + x) / (den + x*both) op t  ->  x >= (t*den - num) / (1 - t*both)
    need = t * value.den - value.num
    if lever.both:
        if t >= 1:
            return Gap(kind=GapKind.unreachable, field=spec.name, change=bi(f"{spec.label.zh}无法达到", f"{spec.label.en} cannot be reached"))
        need = need / (1 - t)
    delta = _ceil(need)
    if op is Op.gt and delta == need:
        delta += 1
    delta = max(delta, ONE)
    if isinstance(formula, FieldRatio):
        kept = lever.kept or bi("", "")
        return Gap(
            kind=GapKind.increase,
            field=lever.fields[0],
            also=list(lever.fields[1:]),
            increase_by=str(delta),
            change=bi(
                f"{lever.noun.zh}需增加 {int(delta)} {lever.unit}（{kept.zh + '，' if kept.zh else ''}达到 {_pct(t)}）",
                f"{int(delta)} more {lever.noun.en}{f' ({kept.en})' if kept.en else ''} to reach {_pct(t)}",
            ),
        )
    year = as_of.year - 1
    fields = [yearly_path(year, f) for f in lever.fields]
    return Gap(
        kind=GapKind.increase,
        field=fields[0],
        also=fields[1:],
        increase_by=str(delta),
        change=bi(
            f"{lever.noun.zh}需增加 {_amount_text(delta, lever.unit, 'zh')}（计入{year}年度，使{spec.label.zh}达到 {_pct(t)}）",
            f"{lever.noun.en} must grow by {_amount_text(delta, lever.unit, 'en')} (in {year}) for {spec.label.en} to reach {_pct(t)}",
        ),
    )


def _number_gap(spec: FactSpec, op: Op, required: Decimal, value: Any, as_of: date) -> Gap:
    if op in (Op.eq, Op.ne, Op.in_, Op.not_in):  # the same for every value (None when shared)
        return _set_gap(spec, op, required, as_of)
    target, path, target_zh, target_en = _number_target(spec.name, op, required, as_of.year)
    if path is None:
        return Gap(
            kind=GapKind.other,
            field=spec.name,
            change=bi(f"{spec.label.zh}需达到 {target_zh}", f"{spec.label.en} must reach {target_en}"),
        )
    delta = target - Decimal(value)
    return Gap(
        kind=GapKind.increase,
        field=path,
        increase_by=str(delta),
        change=bi(
            f"{spec.label.zh}需增加 {_amount_text(delta, spec.unit, 'zh')}（达到 {target_zh}）",
            f"{spec.label.en} must grow by {_amount_text(delta, spec.unit, 'en')} (to {target_en})",
        ),
    )


@lru_cache(maxsize=1024)
def _number_target(fact: str, op: Op, required: Decimal, year: int) -> tuple[Decimal, str | None, str, str]:
    """For ``fact op required`` (an order comparison) evaluated in ``year``: the smallest
    value meeting it, the profile field to raise (None if none can be named), and the
    target in words. The same for every enterprise, so worked out once."""
    spec = FACTS[fact]
    target = required + (Decimal(1).scaleb(-spec.decimals) if op is Op.gt else 0)
    path: str | None = None
    if isinstance(spec.formula, Field):
        path = spec.formula.path
    elif isinstance(spec.formula, LastYear):
        path = yearly_path(year - 1, spec.formula.attr)
    return target, path, _amount_text(target, spec.unit, "zh"), _amount_text(target, spec.unit, "en")


def _set_gap(spec: FactSpec, op: Op, required: Any, as_of: date) -> Gap:
    if isinstance(spec.formula, YearsSinceYear) and op is Op.eq:
        year = as_of.year - int(required)
        label = FACTS[spec.formula.path].label
        return Gap(
            kind=GapKind.set,
            field=spec.formula.path,
            set_to=year,
            change=bi(f"{label.zh}需为 {year}", f"{label.en} must be {year}"),
        )
    if spec.computed:
        return Gap(kind=GapKind.other, field=spec.name, change=bi(f"需满足：{spec.label.zh}", f"must satisfy: {spec.label.en}"))
    target: Any
    if spec.kind is FactKind.bool:
        target = required if op is Op.eq else not required
    elif spec.kind is FactKind.ordinal and op in (Op.ge, Op.gt):
        idx = spec.choices.index(required) + (1 if op is Op.gt else 0)
        if idx >= len(spec.choices):
            return Gap(kind=GapKind.unreachable, field=spec.name, change=bi(f"{spec.label.zh}无法更高", f"{spec.label.en} cannot be higher"))
        target = spec.choices[idx]
    elif op is Op.eq:
        target = required
    elif op is Op.in_ and spec.kind is FactKind.set:
        return Gap(
            kind=GapKind.set,
            field=spec.name,
            set_to=[required[0]],
            change=bi(f"{spec.label.zh}需包含 {value_label(required[0], 'zh', spec.enum)}", f"{spec.label.en} must include {value_label(required[0], 'en', spec.enum)}"),
        )
    elif op is Op.in_:
        target = required[0]
    else:
        return Gap(kind=GapKind.other, field=spec.name, change=bi(f"需满足：{spec.label.zh}", f"must satisfy: {spec.label.en}"))
    zh = value_label(target, "zh", spec.enum)
    en = value_label(target, "en", spec.enum)
    if spec.kind is FactKind.bool:
        change = bi(f"需满足：{spec.label.zh}" if target else f"需不再：{spec.label.zh}", f"needed: {spec.label.en} = {en}")
    else:
        change = bi(f"{spec.label.zh}需达到 {zh}", f"{spec.label.en} must be {en}")
    return Gap(kind=GapKind.set, field=spec.name, set_to=target, change=change)


def _pct(t: Decimal) -> str:
    return f"{(t * 100).normalize():f}%"


# --- Combining gaps up the tree -------------------------------------------------------


def cost(gaps: list[Gap]) -> float:
    """How hard a set of gaps is to close: unreachable is infinite; fewer is cheaper."""
    total = 0.0
    for g in gaps:
        if not g.reachable:
            return math.inf
        total += 1 + cost(g.gaps)
    return total


def gaps_of(
    node: ConditionResult | Node, rule_name: Callable[[str], Text], seen: dict[int, list[Gap]] | None = None
) -> list[Gap]:
    """The gaps that would make a not-met condition met (none if met or unknown).

    ``seen`` keeps the gaps of the nodes already visited, for callers that ask about
    several trees sharing subtrees (a derived rule's tree appears in every rule naming it).
    """
    # A node's fields read as a mapping (a node is one; a model's are its attributes'):
    # some hundred nodes are read per report.
    fields: Mapping[str, Any] = node if isinstance(node, dict) else vars(node)
    if fields["status"] is not Status.not_met:
        return []
    kind = fields["kind"]
    if kind == "compare":
        return list(fields["gaps"])
    if seen is None:
        seen = {}
    found = seen.get(id(node))
    if found is not None:
        return list(found)
    children = fields["children"]
    if kind == "all":
        out = [g for c in children for g in gaps_of(c, rule_name, seen)]
    elif kind == "any":
        options = [o for o in (gaps_of(c, rule_name, seen) for c in children) if o]
        out = min(options, key=cost) if len(options) > 1 else options[0] if options else []
    elif kind == "rule":
        rule = fields["rule"] or ""
        name = rule_name(rule)
        inner = gaps_of(children[0], rule_name, seen) if children else []
        out = [Gap(kind=GapKind.obtain, rule=fields["rule"], gaps=inner, change=first_meet(name.zh, name.en))]
    elif kind == "not":
        label = children[0].label
        out = [Gap(kind=GapKind.other, change=bi(f"需不再满足：{label.zh}", f"must no longer hold: {label.en}"))]
    else:
        out = [Gap(kind=GapKind.unreachable, change=fields["label"])]
    seen[id(node)] = out
    return list(out)


@lru_cache(maxsize=1024)
def first_meet(zh: str, en: str) -> Text:
    """The change of an ``obtain`` gap: meet the derived rule named ``zh`` / ``en`` first
    (the same text in every report)."""
    return bi(f"需先满足「{zh}」", f"first meet '{en}'")


def flatten(gaps: list[Gap]) -> list[Gap]:
    """Every gap, nested ones included, depth first."""
    out: list[Gap] = []
    for g in gaps:
        out.append(g)
        out.extend(flatten(g.gaps))
    return out


def apply_gaps(data: dict[str, Any], gaps: list[Gap]) -> dict[str, Any]:
    """Profile ``data`` with every ``increase`` and ``set`` gap (nested too) applied."""
    out = data
    for g in flatten(gaps):
        if g.kind is GapKind.set and g.field:
            out = set_field(out, g.field, g.set_to)
        elif g.kind is GapKind.increase and g.field and g.increase_by is not None:
            for path in [g.field, *g.also]:
                current = get_field(out, path)
                if current is None:
                    continue
                new = Decimal(str(current)) + Decimal(g.increase_by)
                out = set_field(out, path, int(new) if new == new.to_integral_value() else str(new))
    return out
