"""A rule in words (for ``eligibility rules show``), from the same data the engine uses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ._catalogue import Catalogue
from ._decision import DateLeaf, display_required, resolve_date
from ._facts import FACTS
from ._labels import value_label
from ._render import BASIS, CERTAINTY, t
from ._date_text import date_words
from ._schema import All, AnyOf, Compare, Condition, DateCondition, Not, Rule, RuleRef
from ._semantics import WORDS, Op
from ._text import Lang


def _value_text(cat: Catalogue, node: Compare, lang: Lang, day: date) -> str:
    spec = FACTS[node.fact]
    if node.param is None:
        return value_label(display_required(spec, node.value), lang, spec.enum, spec.unit)
    param = cat.parameters[node.param]
    value = param.value_on(day)
    if value is None:
        return t(f"参数 {node.param}（评估日无有效值）", f"parameter {node.param} (no value in force)", lang)
    if value.tiers:
        key = FACTS[param.key or ""].label(lang)
        bands = []
        for tier in value.tiers:
            shown = display_required(spec, tier.value)
            bands.append(f"{key} ≤ {tier.max}: {shown}" if tier.max is not None else t(f"其余：{shown}", f"otherwise {shown}", lang))
        return f"{param.name(lang)} [{'; '.join(bands)}]"
    shown = value_label(display_required(spec, value.value), lang, spec.enum, spec.unit)
    return f"{shown} ({param.name(lang)}, {CERTAINTY[value.certainty][lang]})"


def condition_text(cat: Catalogue, cond: Condition, lang: Lang, day: date, depth: int = 0) -> Iterator[str]:
    pad = "  " * depth
    if isinstance(cond, All):
        yield pad + (cond.label(lang) + t("：", ":", lang) if cond.label else t("同时满足：", "all of:", lang))
        for c in cond.all:
            yield from condition_text(cat, c, lang, day, depth + 1)
    elif isinstance(cond, AnyOf):
        yield pad + (cond.label(lang) + t("：", ":", lang) if cond.label else t("满足任一：", "any of:", lang))
        for c in cond.any:
            yield from condition_text(cat, c, lang, day, depth + 1)
    elif isinstance(cond, Not):
        yield pad + t("不满足：", "not:", lang)
        yield from condition_text(cat, cond.not_, lang, day, depth + 1)
    elif isinstance(cond, RuleRef):
        yield pad + t(f"属于「{cat.rules[cond.rule].name.zh}」[{cond.rule}]", f"is '{cat.rules[cond.rule].name.en}' [{cond.rule}]", lang)
    elif isinstance(cond, DateCondition):
        resolved = resolve_date(cond, cat.at(day))
        if isinstance(resolved, DateLeaf):
            head = date_words(resolved.test, lang)
            params = [cat.parameters[p] for p in cond.params() if p in cat.parameters]
            if params:
                head += f" ({'; '.join(p.name(lang) for p in params)})"
        else:
            head = t(f"参数 {resolved.param}（评估日无有效值）", f"parameter {resolved.param} (no value in force)", lang)
        yield pad + (f"{cond.label(lang)}  [{head}]" if cond.label else head)
    else:
        spec = FACTS[cond.fact]
        words = WORDS[cond.op][lang]
        head = f"{spec.label(lang)} {words} {_value_text(cat, cond, lang, day)}"
        yield pad + (f"{cond.label(lang)}  [{head}]" if cond.label else head)


def rule_lines(cat: Catalogue, rule: Rule, lang: Lang, day: date) -> Iterator[str]:
    """Every part of a rule, as lines of text."""
    kind = t("支持政策", "support", lang) if rule.kind == "support" else t("派生分类", "derived classification", lang)
    yield f"{rule.name(lang)}  [{rule.id}]"
    yield t(f"类型：{kind}；类别：{rule.category.value}", f"Kind: {kind}; category: {rule.category.value}", lang)
    eff = f"{rule.effective.from_}" + (f" – {rule.effective.to}" if rule.effective.to else t(" 起", " onwards", lang))
    yield t(f"有效期：{eff}", f"In force: {eff}", lang)
    if rule.basis is not None:
        yield t(f"性质：{BASIS[rule.basis]['zh']}", f"Basis: {BASIS[rule.basis]['en']}", lang)
    for pid in rule.rests_on:  # what it rests on besides its conditions, as in force on the day
        param, value = cat.parameters[pid], cat.parameters[pid].value_on(day)
        if value is None:
            continue
        said = value.statement(lang) if value.statement else f"{value.value}"
        yield t(
            f"前提：{param.name.zh}：{said}（{CERTAINTY[value.certainty]['zh']}）",
            f"Rests on: {param.name.en}: {said} ({CERTAINTY[value.certainty]['en']})",
            lang,
        )
    if rule.summary:
        yield t(f"概要：{rule.summary.zh}", f"Summary: {rule.summary.en}", lang)
    if rule.benefit:
        yield t(f"支持内容：{rule.benefit.zh}", f"What it gives: {rule.benefit.en}", lang)
    if rule.department:
        yield t(f"受理部门：{rule.department.zh}", f"Handled by: {rule.department.en}", lang)
    yield t(f"条件（按 {day} 有效的参数）：", f"Conditions (parameters in force on {day}):", lang)
    yield from condition_text(cat, rule.conditions, lang, day, 1)
    for limit in rule.limits:  # a cap is told, not a condition
        most = _value_text(cat, Compare(fact=limit.fact, op=Op.le, param=limit.param), lang, day)
        yield t(f"上限（不是条件，超出的按上限核定）：{limit.label.zh} 最高 {most}", f"Cap (not a condition; more is capped): {limit.label.en} at most {most}", lang)
    if rule.materials:
        yield t("申报材料：", "Materials:", lang)
        for m in rule.materials:
            yield f"  - {m(lang)}"
    yield t("依据：", "Sources:", lang)
    for c in rule.citations:
        src = cat.sources[c.source]
        yield f"  - {src.number or ''} 《{src.title}》 {c.article or ''} ({CERTAINTY[src.certainty][lang]}) {src.url or ''}".rstrip()
    if rule.note:
        yield t(f"说明：{rule.note.zh}", f"Note: {rule.note.en}", lang)
