"""Reports as text: plain text for terminals and Markdown an enterprise can print or send."""

from __future__ import annotations

from collections.abc import Iterator

from ._facts import FACTS
from ._gaps import cost, flatten, gaps_of
from ._fields import field_label
from ._labels import value_label
from .report import ConditionResult, Gap, GapKind, LimitResult, Node, Report, Status, SupportResult, Verdict
from ._safe_text import for_markdown, for_terminal
from ._schema import Basis, Certainty
from ._text import Lang, Text

VERDICT_TITLE: dict[Verdict, dict[str, str]] = {
    Verdict.eligible: {"zh": "可以申报", "en": "Eligible"},
    Verdict.needs_information: {"zh": "需补充信息", "en": "Needs information"},
    Verdict.not_eligible: {"zh": "暂不符合", "en": "Not eligible"},
}
VERDICT_ORDER = (Verdict.eligible, Verdict.needs_information, Verdict.not_eligible)
MARK = {Status.met: "✓", Status.not_met: "✗", Status.unknown: "?"}
CERTAINTY: dict[Certainty, dict[str, str]] = {
    Certainty.official: {"zh": "官方文本", "en": "official text"},
    Certainty.third_party: {"zh": "第三方转载的官方文本，待核对原件", "en": "third-party copy of an official text"},
    Certainty.assumption: {"zh": "假设，待官方确认", "en": "assumption awaiting confirmation"},
}


BASIS: dict[Basis, dict[str, str]] = {
    Basis.plan: {"zh": "行动方案支持", "en": "a support of the plan"},
    Basis.provincial: {"zh": "相关省级政策，非行动方案承诺", "en": "a related provincial policy, not promised by the plan"},
    Basis.national: {"zh": "相关国家政策，非行动方案承诺", "en": "a related national policy, not promised by the plan"},
}
"""How a support is marked: the plan's own, or a related policy the plan does not promise."""


def t(zh: str, en: str, lang: Lang) -> str:
    return en if lang == "en" else zh


def condition_line(node: ConditionResult | Node, lang: Lang, full: bool = True) -> str:
    """One condition in words: its label and the enterprise's value; ``full`` adds the
    band, the clause it comes from and what it would take."""
    text = node.label(lang)
    if node.kind == "compare":
        spec = FACTS.get(node.fact or "")
        actual = value_label(node.actual, lang, spec.enum if spec else None, node.unit)
        extra = [t(f"现为 {actual}", f"now {actual}", lang)]
        if not full:
            return text + t(f"（{extra[0]}）", f" ({extra[0]})", lang)
        if node.band is not None:
            extra.append(node.band(lang))
        if node.citation is not None:
            cite = node.citation.number or node.citation.title
            extra.append(f"{cite} {node.citation.article or ''}".strip())
        text += t(f"（{'；'.join(extra)}）", f" ({'; '.join(extra)})", lang)
    for gap in node.gaps:
        text += " → " + gap_text(gap, lang)
    return text


def failed_conditions(node: ConditionResult | Node, lang: Lang) -> list[str]:
    """The comparisons that are not met, briefly (label and value), through all-of and rules."""
    return [condition_line(n, lang, full=False) for n in _failed(node)]


def first_failed_condition(node: ConditionResult | Node, lang: Lang) -> str | None:
    """The first of :func:`failed_conditions` (None if none), the others not worded."""
    first = first_failed(node)
    return condition_line(first, lang, full=False) if first is not None else None


def first_failed(node: ConditionResult | Node) -> ConditionResult | Node | None:
    """The node :func:`first_failed_condition` words (a summary's reason), or None."""
    return next(_failed(node), None)


def _failed(node: ConditionResult | Node) -> Iterator[ConditionResult | Node]:
    if node.status is not Status.not_met:
        return
    kids = node.children
    if node.kind == "rule" and len(kids) == 1:
        kids = kids[0].children or kids
    if node.kind in ("all", "rule") and kids:
        for k in kids:
            yield from _failed(k)
    else:
        yield node


def short_reason(s: SupportResult, lang: Lang) -> str:
    """One line for a summary table: the department, the fields to provide, or what it would take."""
    sep = t("；", "; ", lang)
    if s.verdict is Verdict.eligible:
        text = s.department(lang) if s.department else ""
    elif s.verdict is Verdict.needs_information:
        shown = t("、", ", ", lang).join(field_label(f, lang) for f in s.missing_fields[:4])
        more = len(s.missing_fields) - 4
        if more > 0:
            shown += t(f" 等{len(s.missing_fields)}项", f" and {more} more", lang)
        text = t("需补充：", "provide: ", lang) + shown
    else:
        steps = [g for g in flatten(s.gaps) if g.kind is not GapKind.obtain]
        if steps:
            changes = [g.change(lang) + ("" if g.reachable else t("（无法达到）", " (cannot be reached)", lang)) for g in steps[:3]]
            text = t("还差：", "would take: ", lang) + sep.join(changes)
        else:
            text = sep.join(failed_conditions(s.explanation, lang)[:3]) if s.explanation else ""
    if s.changes_on and s.changes_to:
        to = VERDICT_TITLE[s.changes_to][lang]
        text += t(f"（{s.changes_on.isoformat()} 起变为「{to}」）", f" (becomes '{to}' on {s.changes_on.isoformat()})", lang)
    return text


def limit_line(limit: LimitResult, lang: Lang) -> str:
    """The most a support gives and, when the amount asked for is above it, that it will be capped."""
    most = value_label(limit.maximum, lang, None, limit.unit)
    line = t(f"  {limit.label.zh}：最高 {most}", f"  {limit.label.en}: at most {most}", lang)
    if limit.capped:
        asked = value_label(limit.requested, lang, None, limit.unit)
        line += t(
            f"（申请金额 {asked} 超过上限，将按上限 {most} 核定）",
            f" (the {asked} asked for is above it and will be capped at {most})",
            lang,
        )
    return line


def gap_text(gap: Gap, lang: Lang) -> str:
    """A gap in words, with its nested gaps for a derived rule to meet first."""
    text = gap.change(lang)
    if gap.kind is GapKind.unreachable:  # (so not reachable)
        text += t("（无法达到）", " (cannot be reached)", lang)
    if gap.gaps:
        text += t("：", ": ", lang) + t("；", "; ", lang).join(gap_text(g, lang) for g in gap.gaps)
    return text


def shown_children(node: ConditionResult) -> list[ConditionResult]:
    """The children worth showing: a met any-of shows the branches that met it; a failed
    branch of an any-of shows only what failed in it."""
    children = node.children
    if node.kind == "rule" and len(children) == 1:
        children = children[0].children or children
    if node.kind == "any" and node.status is Status.met:
        return [c for c in children if c.status is Status.met]
    if node.kind == "any" and node.status is Status.not_met and children:
        # The branch that is cheapest to reach; the others are summarised.
        return [min(children, key=lambda c: cost(gaps_of(c, _no_name)))]
    return children


def _no_name(rule_id: str) -> Text:
    return Text(zh=rule_id, en=rule_id)


def condition_lines(node: ConditionResult, lang: Lang, depth: int = 0, failed_only: bool = False) -> Iterator[str]:
    """The condition tree, one line per node, indented, with ✓ ✗ ? marks."""
    yield f"{'  ' * depth}{MARK[node.status]} {condition_line(node, lang)}"
    children = shown_children(node)
    if failed_only:
        children = [c for c in children if c.status is not Status.met]
    for child in children:
        yield from condition_lines(child, lang, depth + 1, node.kind == "any" and node.status is not Status.met)
    hidden = len(node.children) - len(children)
    if node.kind == "any" and node.status is Status.not_met and hidden:
        yield f"{'  ' * (depth + 1)}{t(f'（另有 {hidden} 项可选条件，均不满足且更难达到）', f'({hidden} other options, none met, each harder to reach)', lang)}"


def _missing(s: SupportResult, lang: Lang) -> str:
    return t("、", ", ", lang).join(field_label(f, lang) for f in s.missing_fields)


def support_lines(s: SupportResult, lang: Lang) -> Iterator[str]:
    yield f"■ {s.name(lang)}  [{s.id}]" + (f"  〔{BASIS[s.basis][lang]}〕" if s.basis else "")
    if s.benefit:
        yield t(f"  支持内容：{s.benefit.zh}", f"  What it gives: {s.benefit.en}", lang)
    if s.department:
        yield t(f"  受理部门：{s.department.zh}", f"  Handled by: {s.department.en}", lang)
    for limit in s.limits:
        yield limit_line(limit, lang)
    if s.missing_fields:
        yield t(f"  需补充：{_missing(s, lang)}", f"  Please provide: {_missing(s, lang)}", lang)
    if s.gaps:
        reachable = all(g.reachable for g in s.gaps)
        head = t("  还差：", "  What it would take:", lang) if reachable else t("  差距（部分无法达到）：", "  Gaps (some cannot be reached):", lang)
        yield head
        for gap in s.gaps:
            yield f"    - {gap_text(gap, lang)}"
    if s.changes_on and s.changes_to:
        to = VERDICT_TITLE[s.changes_to][lang]
        yield t(f"  时间节点：{s.changes_on.isoformat()} 起结论变为「{to}」", f"  From {s.changes_on.isoformat()} the verdict becomes '{to}'", lang)
    if s.explanation is not None:
        yield t("  条件：", "  Conditions:", lang)
        yield from condition_lines(s.explanation, lang, 2)
    if s.verdict is Verdict.eligible and s.materials:
        yield t("  申报材料：", "  Materials:", lang)
        for m in s.materials:
            yield f"    - {m(lang)}"
    for a in s.assumptions:
        if a.statement is not None:  # the value's own words (方案期已于2025年底结束…)
            yield t(
                f"  ⚠ {a.statement.zh}（{CERTAINTY[a.certainty]['zh']}：{a.name.zh}）",
                f"  ! {a.statement.en} ({CERTAINTY[a.certainty]['en']}: {a.name.en})",
                lang,
            )
            continue
        yield t(
            f"  ⚠ 依据参数「{a.name.zh}」= {a.value}（{CERTAINTY[a.certainty]['zh']}）",
            f"  ! rests on '{a.name.en}' = {a.value} ({CERTAINTY[a.certainty]['en']})",
            lang,
        )
    for c in s.citations:
        yield t(
            f"  依据：{c.number or ''}《{c.title}》{c.article or ''}",
            f"  Source: {c.number or ''} {c.title} {c.article or ''}".rstrip(),
            lang,
        )


def to_text(report: Report, lang: Lang = "zh") -> str:
    """The report as plain text, grouped by verdict (no control characters: it is shown on terminals)."""
    lines = [
        t(
            f"企业：{report.enterprise}  统一社会信用代码：{report.uscc or '未填写'}",
            f"Enterprise: {report.enterprise}  USCC: {report.uscc or 'not given'}",
            lang,
        ),
        t(
            f"评估日期：{report.as_of.isoformat()}  政策目录：{report.catalogue}（{report.catalogue_version}）",
            f"As of: {report.as_of.isoformat()}  Catalogue version {report.catalogue_version}",
            lang,
        ),
    ]
    for verdict in VERDICT_ORDER:
        group = report.by_verdict(verdict)
        lines.append("")
        lines.append(f"== {VERDICT_TITLE[verdict][lang]} ({len(group)}) ==")
        for s in group:
            lines.extend(support_lines(s, lang))
            lines.append("")
    return for_terminal("\n".join(lines).rstrip() + "\n")


def to_markdown(report: Report, lang: Lang = "zh") -> str:
    """The report as Markdown: a summary table, then each support with its reasons."""
    # What the enterprise wrote is escaped: a portal renders this Markdown as HTML.
    name, uscc = for_markdown(report.enterprise), for_markdown(report.uscc) if report.uscc else None
    out = [
        t(f"# 政策匹配报告：{name}", f"# Policy eligibility report: {name}", lang),
        "",
        t(
            f"- 统一社会信用代码：{uscc or '未填写'}\n- 评估日期：{report.as_of.isoformat()}\n- 政策目录：{report.catalogue}（版本 {report.catalogue_version}）",
            f"- USCC: {uscc or 'not given'}\n- As of: {report.as_of.isoformat()}\n- Catalogue version: {report.catalogue_version}",
            lang,
        ),
        "",
        t("| 政策 | 结论 | 受理部门 | 性质 |", "| Support | Verdict | Department | Basis |", lang),
        "|---|---|---|---|",
    ]
    for verdict in VERDICT_ORDER:
        for s in report.by_verdict(verdict):
            dept = s.department(lang) if s.department else ""
            basis = BASIS[s.basis][lang] if s.basis else ""
            out.append(f"| {_cell(s.name(lang))} | {VERDICT_TITLE[verdict][lang]} | {_cell(dept)} | {_cell(basis)} |")
    for verdict in VERDICT_ORDER:
        group = report.by_verdict(verdict)
        if not group:
            continue
        out += ["", f"## {VERDICT_TITLE[verdict][lang]}"]
        for s in group:
            out += ["", f"### {s.name(lang)}" + (f"  〔{BASIS[s.basis][lang]}〕" if s.basis else ""), ""]
            for line in list(support_lines(s, lang))[1:]:
                stripped = line.strip().removeprefix("- ")
                indent = (len(line) - len(line.lstrip())) // 2
                out.append(f"{'  ' * max(indent - 1, 0)}- {stripped}")
    assumed = any(s.assumptions for s in report.supports)
    if assumed:
        out += [
            "",
            t(
                "> 注：标有 ⚠ 的结论依据第三方转载文本或待确认的假设，申报前请向受理部门核实。",
                "> Note: verdicts marked ! rest on third-party copies or assumptions; confirm with the department before applying.",
                lang,
            ),
        ]
    out += [
        "",
        "---",
        "",
        t(
            "本报告根据企业自报信息自动生成，仅供自查参考；是否符合条件以受理部门审核为准。",
            "Generated from the enterprise's own information, for self-assessment only; the handling department decides.",
            lang,
        ),
    ]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell (a | would end the cell)."""
    return text.replace("|", "\\|").replace("\n", " ")
