"""The ``eligibility`` command line (Typer). A thin layer over the library.

Exit codes: 0 done; 1 the profile or the rules are invalid; 2 usage error.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import EligibilityError, evaluate, load_catalogue, profile_json_schema
from .profile_io import load_profile, parse_profile, read_data
from .render import VERDICT_ORDER, VERDICT_TITLE, condition_lines, support_lines, to_markdown, to_text
from .report import Report, Verdict
from .text import Lang

EXIT_INVALID = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="eligibility",
    help="竹山经济开发区政策匹配：检查企业可申报的支持政策。 Policy eligibility checker for the Zhushan zone.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
rules_app = typer.Typer(help="查看与检查政策规则目录。 Browse and check the rule catalogue.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

class _Consoles:
    """Consoles made on use, so they write to the streams in place at that moment.

    Output that is piped or captured is not cut to 80 columns.
    """

    @property
    def out(self) -> Console:
        return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

    @property
    def err(self) -> Console:
        return Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)


_c = _Consoles()


class Format(StrEnum):
    table = "table"
    text = "text"
    json = "json"
    markdown = "markdown"


class Only(StrEnum):
    eligible = "eligible"
    needs_information = "needs_information"
    not_eligible = "not_eligible"


LangOpt = Annotated[str, typer.Option("--lang", "-l", help="输出语言 zh 或 en。 Output language: zh (default) or en.")]
RulesOpt = Annotated[
    Optional[Path], typer.Option("--rules", help="使用另一个规则目录。 Use another rules directory.", show_default=False)
]


def _lang(value: str) -> Lang:
    if value not in ("zh", "en"):
        raise typer.BadParameter(f"'{value}' 不是 zh 或 en (must be zh or en)", param_hint="--lang")
    return value  # type: ignore[return-value]


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' 不是 YYYY-MM-DD 格式的日期 (not a date)", param_hint="--as-of") from None


def fail(error: EligibilityError) -> typer.Exit:
    """Print a user's mistake (no traceback) and return the exit to raise."""
    _c.err.print(f"[bold red]错误 (error):[/] {escape(error.summary)}")
    for p in error.problems:
        _c.err.print(f"  - {escape(str(p))}")
    return typer.Exit(EXIT_INVALID)


def _read_profile(path: str):  # noqa: ANN202 - EnterpriseProfile
    if path == "-":
        return parse_profile(read_data(sys.stdin.read(), "<stdin>"), "<stdin>")
    return load_profile(path)


def _print_table(report: Report, lang: Lang, only: Only | None) -> None:
    zh = lang == "zh"
    _c.out.print(
        f"[bold]{escape(report.enterprise)}[/]  "
        + (f"评估日期 {report.as_of}  目录版本 {report.catalogue_version}" if zh else f"as of {report.as_of}  catalogue {report.catalogue_version}")
    )
    table = Table(show_lines=False)
    table.add_column("结论" if zh else "Verdict")
    table.add_column("政策" if zh else "Support")
    table.add_column("说明" if zh else "Notes")
    style = {Verdict.eligible: "green", Verdict.needs_information: "yellow", Verdict.not_eligible: "red"}
    verdicts = [Verdict(only.value)] if only else list(VERDICT_ORDER)
    for verdict in verdicts:
        for s in report.by_verdict(verdict):
            if verdict is Verdict.eligible:
                note = s.department(lang) if s.department else ""
            elif verdict is Verdict.needs_information:
                from .labels import field_label

                note = ("需补充：" if zh else "provide: ") + ("、" if zh else ", ").join(field_label(f, lang) for f in s.missing_fields)
            else:
                failed = [c for c in _failed(s.explanation)]
                note = ("；" if zh else "; ").join(failed[:3])
            flag = " ⚠" if s.assumptions else ""
            table.add_row(f"[{style[verdict]}]{VERDICT_TITLE[verdict][lang]}[/]", escape(s.name(lang)) + flag, escape(note))
    _c.out.print(table)
    for verdict in verdicts:
        group = report.by_verdict(verdict)
        if not group:
            continue
        _c.out.print(f"\n[bold {style[verdict]}]{VERDICT_TITLE[verdict][lang]} ({len(group)})[/]")
        for s in group:
            for line in support_lines(s, lang):
                _c.out.print(escape(line))


def _failed(node) -> list[str]:  # noqa: ANN001
    from .render import condition_line
    from .report import Status

    if node.status is not Status.not_met:
        return []
    kids = node.children
    if node.kind == "rule" and len(kids) == 1:
        kids = kids[0].children or kids
    if node.kind in ("all", "rule") and kids:
        return [x for k in kids for x in _failed(k)]
    return [condition_line(node, "zh")]


@app.command()
def check(
    profile: Annotated[str, typer.Argument(help="企业画像文件（JSON 或 YAML），- 表示标准输入。 Profile file (JSON/YAML), - for stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式。 Output format.")] = Format.table,
    lang: LangOpt = "zh",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）。 Evaluate as of this date.")] = None,
    only: Annotated[Optional[Only], typer.Option("--only", help="只显示某一类结论。 Show one verdict only.")] = None,
    rules: RulesOpt = None,
) -> None:
    """检查一家企业可申报的政策。 Check which supports an enterprise can apply for.

    Example: eligibility check examples/battery_materials.json --format markdown
    """
    language = _lang(lang)
    day = _as_of(as_of)
    try:
        catalogue = load_catalogue(rules)
        report = evaluate(_read_profile(profile), as_of=day, catalogue=catalogue)
    except EligibilityError as exc:
        raise fail(exc) from None
    if only is not None:
        keep = Verdict(only.value)
        report = report.model_copy(update={"supports": [s for s in report.supports if s.verdict is keep]})
    if format is Format.json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    elif format is Format.markdown:
        sys.stdout.write(to_markdown(report, language))
    elif format is Format.text:
        sys.stdout.write(to_text(report, language))
    else:
        _print_table(report, language, only)


@rules_app.command("list")
def rules_list(lang: LangOpt = "zh", rules: RulesOpt = None) -> None:
    """列出政策目录。 List the catalogue: id, name, category, source.

    Example: eligibility rules list --lang en
    """
    language = _lang(lang)
    try:
        cat = load_catalogue(rules)
    except EligibilityError as exc:
        raise fail(exc) from None
    zh = language == "zh"
    table = Table(title=cat.info.name(language))
    for col in (("编号", "ID"), ("名称", "Name"), ("类别", "Category"), ("类型", "Kind"), ("来源", "Source")):
        table.add_column(col[0] if zh else col[1])
    for rid in sorted(cat.rules, key=lambda r: (cat.rules[r].kind != "support", cat.rules[r].category, r)):
        rule = cat.rules[rid]
        src = cat.sources[rule.citations[0].source]
        kind = ("支持政策" if zh else "support") if rule.kind == "support" else ("派生分类" if zh else "derived")
        table.add_row(rid, escape(rule.name(language)), rule.category.value, kind, escape(src.number or src.title))
    _c.out.print(table)


@rules_app.command("show")
def rules_show(rule_id: Annotated[str, typer.Argument(help="规则编号。 Rule id.")], lang: LangOpt = "zh", rules: RulesOpt = None) -> None:
    """显示一条规则的全部内容。 Show one rule in full.

    Example: eligibility rules show tech_innovation_board_listing
    """
    language = _lang(lang)
    try:
        cat = load_catalogue(rules)
    except EligibilityError as exc:
        raise fail(exc) from None
    rule = cat.rules.get(rule_id)
    if rule is None:
        _c.err.print(f"[bold red]错误 (error):[/] 没有编号为 {escape(rule_id)} 的规则 (no rule with this id); see 'eligibility rules list'")
        raise typer.Exit(EXIT_INVALID)
    from .rule_text import rule_lines

    for line in rule_lines(cat, rule, language, date.today()):
        _c.out.print(escape(line))


@rules_app.command("lint")
def rules_lint(
    directory: Annotated[
        Optional[Path], typer.Argument(help="规则目录（默认内置目录）。 Rules directory (default: the bundled one).", show_default=False)
    ] = None,
) -> None:
    """检查规则目录：错误、警告与提示，附文件和行号。 Lint a rules directory, with file and line.

    Exit 1 if there is an error, 0 if only warnings or notes. Example: eligibility rules lint rules/
    """
    from .lint import lint

    report = lint(directory)
    for finding in report.findings:
        _c.out.print(escape(str(finding)), highlight=False)
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
    _c.err.print(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s) in {escape(str(report.root))}")
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def schema() -> None:
    """输出企业画像的 JSON Schema（供门户表单使用）。 Print the profile's JSON Schema.

    Example: eligibility schema > profile.schema.json
    """
    sys.stdout.write(json.dumps(profile_json_schema(), ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    """Entry point of the ``eligibility`` command."""
    app()


__all__ = ["app", "main", "condition_lines"]
