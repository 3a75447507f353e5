"""The ``eligibility`` command line (Typer). A thin layer over the library.

Exit codes: 0 done; 1 the profile or the rules are invalid (``batch``: at least one row
was invalid, the output is still written); 2 usage error.

Annotations here are evaluated when the module is imported (no ``from __future__ import
annotations``): Typer reads every command's parameters at each start, and resolving them from
strings compiled each one again: about 10 ms of every start.
"""

import functools
import gc
import io
import json
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import EligibilityError, ProfileError, WorkerError, __version__, evaluate, load_catalogue, profile_json_schema, record_of
from ._fields import field_label
from ._input_limits import LimitError, check_day, quote, read_capped
from ._recovery import Recovery, latest
from ._safe_files import write_atomically
from ._safe_text import for_terminal
from ._profile_io import load_data, load_profile, parse_profile, read_data
from ._render import VERDICT_ORDER, VERDICT_TITLE, failed_conditions, short_reason, condition_lines, support_lines, to_markdown, to_text
from .report import Report, Verdict
from ._text import Lang

if TYPE_CHECKING:
    from rich.progress import Progress

EXIT_INVALID = 1
EXIT_USAGE = 2
TABLE_MIN_WIDTH = 100
"""Below this many columns the results are a list, not a table."""

app = typer.Typer(
    name="eligibility",
    help="竹山经济开发区政策匹配：检查企业可申报的支持政策。 Policy eligibility checker for the Zhushan zone.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
rules_app = typer.Typer(help="查看与检查政策规则目录。 Browse and check the rule catalogue.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _show_version(value: bool) -> None:
    if not value:
        return
    sys.stdout.write(f"eligibility {__version__}\n")
    try:
        record = record_of(load_catalogue(), date.today())
    except EligibilityError as exc:  # the version is known even when the bundled rules are broken
        raise fail(exc) from None
    for name, value_ in record.fields():
        if name not in ("package", "as_of"):
            sys.stdout.write(f"{name}: {value_}\n")
    raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True,
            help="显示程序与内置规则目录的版本及规则指纹。 Show the package and catalogue versions and the rules fingerprint.",
        ),
    ] = False,
) -> None:
    """竹山经济开发区政策匹配：检查企业可申报的政策。 Policy eligibility checker for the Zhushan zone."""

class _SafeConsole(Console):
    """A console that prints no control characters: an enterprise's name or a quoted cell
    may hold terminal escape codes, and they are shown as ``?`` instead of obeyed."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.color_system is None:  # no colours (a pipe, a file): highlighting would only cost time
            kwargs.setdefault("highlight", False)
        super().print(*(for_terminal(o) if isinstance(o, str) else o for o in objects), **kwargs)

    def print_lines(self, lines: list[tuple[str, str]]) -> None:
        """Lines of text, each with its style ("" for none), in one print: rich's work per call,
        made for every line, was most of `check`'s time.

        Without colours (a pipe, a file) the text is written as it is, not parsed as markup by
        rich line by line (a tenth of a cold `check`); rich expands tabs and doubles a backslash
        that ends a line, so text with either is printed by rich."""
        text = "\n".join(line for line, _ in lines)
        if self.color_system is None and not self.is_jupyter and "\\" not in text and "\t" not in text:
            self.file.write(for_terminal(text) + "\n")
            self.file.flush()
            return
        self.print("\n".join(f"[{style}]{escape(line)}[/]" if style else escape(line) for line, style in lines))


class _Consoles:
    """Consoles made on use, so they write to the streams in place at that moment.

    Output that is piped or captured is not cut to 80 columns. Emoji codes are left as they are
    (``:rocket:`` in a name is shown as written, and rich's table of emoji is never loaded).
    """

    @property
    def out(self) -> _SafeConsole:
        return _SafeConsole(soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 160)

    @property
    def err(self) -> _SafeConsole:
        return _SafeConsole(stderr=True, soft_wrap=True, emoji=False, width=None if sys.stderr.isatty() else 160)


_c = _Consoles()

_Command = TypeVar("_Command", bound=Callable[..., None])
_one_shot_done = False
"""Set when a :func:`one_shot` command has returned: :func:`main` may then end the process at once."""


def one_shot(command: _Command) -> _Command:
    """Marks a command that does a bounded piece of work and leaves nothing behind when it returns:
    it writes only to the standard streams (any other file it opens is closed before it returns),
    starts no thread or process and registers nothing to run at exit.

    It runs with the cyclic garbage collector paused (one evaluation's garbage is small and is
    freed with the process; the collector ran some 50 times in a `check`, walking live objects),
    and when it returns normally, :func:`main` ends the process at once instead of having the
    interpreter free its ~100,000 objects one by one (~20 ms of a cold `check`).
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        global _one_shot_done
        collecting = gc.isenabled()
        gc.disable()
        try:
            command(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()
        _one_shot_done = True

    return run  # type: ignore[return-value]


class Format(StrEnum):
    table = "table"
    text = "text"
    json = "json"
    markdown = "markdown"


class View(StrEnum):
    summary = "summary"
    report = "report"
    full = "full"


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
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{quote(value)} 不是 YYYY-MM-DD 格式的日期 (not a date)", param_hint="--as-of") from None
    try:
        return check_day(day)
    except LimitError as exc:
        raise typer.BadParameter(str(exc), param_hint="--as-of") from None


def fail(error: EligibilityError) -> typer.Exit:
    """Print a user's mistake (no traceback) and return the exit to raise."""
    _c.err.print(f"[bold red]错误 (error):[/] {escape(error.summary)}")
    for p in error.problems:
        _c.err.print(f"  - {escape(str(p))}")
    return typer.Exit(EXIT_INVALID)


def _read_profile(path: str):  # noqa: ANN202 - EnterpriseProfile
    if path == "-":
        try:
            text = read_capped(sys.stdin.buffer).decode("utf-8-sig")
        except LimitError as exc:
            raise ProfileError(f"{exc}: <stdin>") from None
        except UnicodeDecodeError:
            raise ProfileError("标准输入不是 UTF-8 编码 (standard input is not UTF-8 text)") from None
        return parse_profile(read_data(text, "<stdin>"), "<stdin>")
    return load_profile(path)


def _print_table(report: Report, lang: Lang, only: Only | None) -> None:
    zh = lang == "zh"
    out = _c.out
    out.print(
        f"[bold]{escape(report.enterprise)}[/]  "
        + (f"评估日期 {report.as_of}  目录版本 {report.catalogue_version}" if zh else f"as of {report.as_of}  catalogue {report.catalogue_version}")
    )
    style = {Verdict.eligible: "green", Verdict.needs_information: "yellow", Verdict.not_eligible: "red"}
    verdicts = [Verdict(only.value)] if only else list(VERDICT_ORDER)
    if out.width < TABLE_MIN_WIDTH:
        # Three columns in a narrow terminal are cut and shredded: a list reads at any width.
        for verdict in verdicts:
            for s in report.by_verdict(verdict):
                flag = " ⚠" if s.assumptions else ""
                out.print(f"[{style[verdict]}]{VERDICT_TITLE[verdict][lang]}[/] {escape(s.name(lang))}{flag}")
                out.print(f"    {escape(short_reason(s, lang))}")
    else:
        table = Table(show_lines=False)
        table.add_column("结论" if zh else "Verdict", no_wrap=True)
        table.add_column("政策" if zh else "Support")
        table.add_column("说明" if zh else "Notes")
        for verdict in verdicts:
            for s in report.by_verdict(verdict):
                note = short_reason(s, lang)
                flag = " ⚠" if s.assumptions else ""
                table.add_row(f"[{style[verdict]}]{VERDICT_TITLE[verdict][lang]}[/]", escape(s.name(lang)) + flag, escape(note))
        out.print(table)
    lines: list[tuple[str, str]] = []
    for verdict in verdicts:
        group = report.by_verdict(verdict)
        if group:
            lines += [("", ""), (f"{VERDICT_TITLE[verdict][lang]} ({len(group)})", f"bold {style[verdict]}")]
            lines += [(line, "") for s in group for line in support_lines(s, lang)]
    if lines:
        out.print_lines(lines)


@app.command()
@one_shot
def check(
    profile: Annotated[str, typer.Argument(help="企业画像文件（JSON 或 YAML），- 表示标准输入。 Profile file (JSON/YAML), - for stdin.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="输出格式。 Output format.")] = Format.table,
    lang: LangOpt = "zh",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）。 Evaluate as of this date.")] = None,
    only: Annotated[Optional[Only], typer.Option("--only", help="只显示某一类结论。 Show one verdict only.")] = None,
    rules: RulesOpt = None,
    view: Annotated[
        Optional[View],
        typer.Option(
            "--view",
            help="JSON 的详略：summary（结果页所需，单一语言）、report（不重复）、full（默认）。 "
            "With --format json: summary (one language), report (nothing repeated) or full (default).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """检查一家企业可申报的政策。 Check which supports an enterprise can apply for.

    Example: eligibility check examples/battery_materials.json --format json --view summary
    """
    language = _lang(lang)
    day = _as_of(as_of)
    if view is not None and format is not Format.json:
        raise typer.BadParameter("--view 仅用于 --format json (only with --format json)", param_hint="--view")
    if format is Format.json and view is View.summary and only is None:  # a portal's path: no full report
        from ._views import evaluate_view_json

        try:
            text = evaluate_view_json(_read_profile(profile), "summary", language, as_of=day, catalogue=load_catalogue(rules), indent=2)
        except EligibilityError as exc:
            raise fail(exc) from None
        sys.stdout.write(text + "\n")
        return
    try:
        catalogue = load_catalogue(rules)
        report = evaluate(_read_profile(profile), as_of=day, catalogue=catalogue)
    except EligibilityError as exc:
        raise fail(exc) from None
    if only is not None:
        keep = Verdict(only.value)
        report = report.model_copy(update={"supports": [s for s in report.supports if s.verdict is keep]})
    if format is Format.json:
        from ._views import view_json

        sys.stdout.write(view_json(report, (view or View.full).value, language, indent=2) + "\n")
    elif format is Format.markdown:
        sys.stdout.write(to_markdown(report, language))  # escapes what the enterprise wrote
    elif format is Format.text:
        sys.stdout.write(to_text(report, language))
    else:
        _print_table(report, language, only)


@rules_app.command("list")
@one_shot
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
@one_shot
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
    from ._rule_text import rule_lines

    for line in rule_lines(cat, rule, language, date.today()):
        _c.out.print(escape(line))


@rules_app.command("facts")
@one_shot
def rules_facts(
    format: Annotated[str, typer.Option("--format", help="table 或 json。 table or json.")] = "table",
    lang: LangOpt = "zh",
    rules: RulesOpt = None,
) -> None:
    """列出计算事实：公式、定义与依据条款。 List the computed facts: formula, definition and the clause behind each.

    Rules compare profile fields and these facts (``Y`` in a formula is the year of the evaluation date).

    Example: eligibility rules facts --lang en
    """
    from ._changelog import citation_text
    from ._facts import COMPUTED

    language = _lang(lang)
    zh = language == "zh"
    if format not in ("table", "json"):
        raise typer.BadParameter(f"'{format}' 应为 table 或 json (must be table or json)", param_hint="--format")
    try:
        catalogue = load_catalogue(rules)
    except EligibilityError as exc:
        raise fail(exc) from None
    if format == "json":
        entries = [
            {
                "name": spec.name,
                "kind": spec.kind.value,
                "unit": spec.unit,
                "label": {"zh": spec.label.zh, "en": spec.label.en},
                "formula": {**spec.formula.data(), "notation": spec.formula.notation()},
                "definition": None if spec.definition is None else {"zh": spec.definition.zh, "en": spec.definition.en},
                "reference": None
                if spec.cite is None
                else {"source": spec.cite.source, "article": spec.cite.article, "text": citation_text(catalogue, [spec.cite])},
                "reads": list(spec.formula.reads()),
                "tables": list(spec.params),
            }
            for spec in COMPUTED
        ]
        _c.out.print_json(json.dumps({"facts": entries}, ensure_ascii=False))
        return
    table = Table(title=f"计算事实（{len(COMPUTED)} 项；公式中 Y 为评估日期所在年度）" if zh else f"Computed facts ({len(COMPUTED)}; Y in a formula is the year of the evaluation date)")
    for head in (("事实", "公式", "定义", "依据") if zh else ("Fact", "Formula", "Definition", "Source")):
        table.add_column(head, overflow="fold")
    for spec in COMPUTED:
        unit = f"（{spec.unit}）" if zh and spec.unit else (f" ({spec.unit})" if spec.unit else "")
        table.add_row(
            escape(f"{spec.label(language)}{unit}\n{spec.name}"),
            escape(spec.formula.notation()),
            escape(spec.definition(language) if spec.definition else ""),
            escape(citation_text(catalogue, [spec.cite]) if spec.cite else "—"),
        )
    _c.out.print(table)


@rules_app.command("changes")
@one_shot
def rules_changes(
    start: Annotated[str, typer.Option("--from", help="起始日期 YYYY-MM-DD（不含当天）。 From this date (exclusive).", show_default=False)],
    end: Annotated[Optional[str], typer.Option("--to", help="截止日期 YYYY-MM-DD（含当天，默认今天）。 To this date (inclusive; default today).")] = None,
    format: Annotated[str, typer.Option("--format", help="table 或 json。 table or json.")] = "table",
    lang: LangOpt = "zh",
    rules: RulesOpt = None,
) -> None:
    """两个日期之间变化的参数取值及其依据（从规则数据生成）。 Parameter values that change between two dates, with their citations.

    A parameter changes on a day when the value in force differs from the day before's; supports and derived rules
    coming into or leaving force are listed too. Read from the dated rule data, so it cannot drift from the rules.

    Example: eligibility rules changes --from 2024-01-01 --to 2026-11-25
    """
    from ._changelog import CERTAINTY_TEXT, changes_between, citation_text, to_json, value_text

    language = _lang(lang)
    zh = language == "zh"
    if format not in ("table", "json"):
        raise typer.BadParameter(f"'{format}' 应为 table 或 json (must be table or json)", param_hint="--format")
    day_from = _as_of(start)
    day_to = _as_of(end) or date.today()
    assert day_from is not None
    if day_to < day_from:
        raise typer.BadParameter(f"--to {day_to} 早于 --from {day_from} (--to is before --from)", param_hint="--to")
    try:
        catalogue = load_catalogue(rules)
    except EligibilityError as exc:
        raise fail(exc) from None
    params, rule_changes = changes_between(catalogue, day_from, day_to)
    if format == "json":
        _c.out.print_json(json.dumps(to_json(catalogue, day_from, day_to, params, rule_changes), ensure_ascii=False))
        return
    title = f"{day_from} 之后至 {day_to} 的参数变化" if zh else f"Parameter changes after {day_from} up to {day_to}"
    table = Table(title=title)
    heads = ("生效日期", "参数", "原值", "新值", "确定性", "依据") if zh else ("On", "Parameter", "Before", "After", "Certainty", "Source")
    for head in heads:
        table.add_column(head, overflow="fold")
    for c in params:
        certainty = " → ".join(
            dict.fromkeys(CERTAINTY_TEXT[v.certainty.value](language) for v in (c.before, c.after) if v is not None)
        )
        shown = c.after or c.before
        cited = citation_text(catalogue, shown.citations if shown is not None else [])
        same = "" if c.value_changed else ("（取值未变）" if zh else " (value unchanged)")
        table.add_row(
            str(c.on), escape(f"{c.name(language)}\n{c.parameter}"), escape(value_text(c, c.before, language)),
            escape(value_text(c, c.after, language) + same), certainty, escape(cited),
        )
    _c.out.print(table if params else ("这段时间内没有参数变化。" if zh else "No parameter changes in this period."))
    if rule_changes:
        rules_table = Table(title="规则生效与失效" if zh else "Rules coming into or leaving force")
        for head in (("生效日期", "规则", "变化") if zh else ("On", "Rule", "Change")):
            rules_table.add_column(head)
        for r in rule_changes:
            what = ("开始施行" if r.in_force else "停止施行") if zh else ("in force" if r.in_force else "no longer in force")
            rules_table.add_row(str(r.on), escape(f"{r.name(language)} ({r.rule})"), what)
        _c.out.print(rules_table)


@rules_app.command("lint")
def rules_lint(
    directory: Annotated[
        Optional[Path], typer.Argument(help="规则目录（默认内置目录）。 Rules directory (default: the bundled one).", show_default=False)
    ] = None,
) -> None:
    """检查规则目录：错误、警告与提示，附文件和行号。 Lint a rules directory, with file and line.

    Exit 1 if there is an error, 0 if only warnings or notes. Example: eligibility rules lint rules/
    """
    from .authoring.lint import lint

    report = lint(directory)
    for finding in report.findings:
        _c.out.print(escape(str(finding)), highlight=False)
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")}
    _c.err.print(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s) in {escape(str(report.root))}")
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


@rules_app.command("test")
def rules_test(
    cases: Annotated[Path, typer.Argument(help="用例文件或目录（YAML）。 A YAML case file or a directory of them.")],
    rules: RulesOpt = None,
    lang: LangOpt = "zh",
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="未写日期的用例的评估日期（默认今天）。 Date for cases that give none (default: today).")
    ] = None,
) -> None:
    """运行 YAML 测试用例，逐条报告失败。 Run YAML cases against a rules directory; report each failure.

    Exit 1 if a case file is invalid (file and line) or a case fails. Example: eligibility rules test tests/cases --rules rules/
    """
    from .authoring.cases import read_cases, run_cases

    language, day = _lang(lang), _as_of(as_of)
    try:
        cat = load_catalogue(rules)
        run = run_cases(read_cases(cases, cat, as_of=day).check(), cat)
    except EligibilityError as exc:
        raise fail(exc) from None
    for failure in run.failures:
        _c.out.print(escape(failure.describe(language)), highlight=False)
    _c.err.print(escape(run.summary(language)), highlight=False)
    if not run.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command()
@one_shot
def schema(
    form: Annotated[
        bool,
        typer.Option(
            "--form",
            help="表单用的 JSON Schema：选项带名称、单位为 x-unit、无 null 分支。 "
            "The schema for form generators: labelled choices, x-unit, no null branches.",
        ),
    ] = False,
) -> None:
    """输出企业画像的 JSON Schema（供门户表单使用）。 Print the profile's JSON Schema.

    Example: eligibility schema --form > profile.form.schema.json
    """
    from ._form_schema import form_json_schema

    document = form_json_schema() if form else profile_json_schema()
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


# --- interview ----------------------------------------------------------------------


def _ask(text: str) -> str | None:
    """One line typed by the user; None at the end of input (or Ctrl-C)."""
    try:
        return typer.prompt(text, default="", show_default=False, prompt_suffix=" > ")
    except typer.Abort:
        return None


def _yes(text: str) -> bool:
    return bool(_confirm(text))


def _confirm(text: str) -> bool | None:
    """The user's yes or no; None at the end of input (or Ctrl-C)."""
    try:
        return typer.confirm(text, default=False)
    except typer.Abort:
        return None


def _settled_line(s, lang: Lang) -> str:  # noqa: ANN001 - SupportResult
    style = {Verdict.eligible: "green", Verdict.needs_information: "yellow", Verdict.not_eligible: "red"}[s.verdict]
    line = f"[{style}]→ {VERDICT_TITLE[s.verdict][lang]}[/]{'：' if lang == 'zh' else ': '}{escape(s.name(lang))}"
    if s.verdict is Verdict.not_eligible:
        reasons = failed_conditions(s.explanation, lang) if s.explanation is not None else []
        if reasons:
            line += f"（{escape(reasons[0])}）" if lang == "zh" else f" ({escape(reasons[0])})"
    elif s.verdict is Verdict.eligible and s.department:
        line += ("，受理部门：" if lang == "zh" else "; handled by ") + escape(s.department(lang))
    return line


def _save_profile(data: dict, save: Path | None, lang: Lang) -> tuple[Path | None, bool]:
    """Offer to save; never overwrite a file without the user's yes; a path that cannot be
    written is asked again. (The path saved or None, and whether the user declined to save.)"""
    import yaml

    zh = lang == "zh"
    path = save
    if path is None:
        wanted = _confirm("保存企业画像？ Save the profile?" if zh else "Save the profile?")
        if not wanted:
            return None, wanted is False
        typed = _ask("文件名（.json 或 .yaml） File name" if zh else "File name (.json or .yaml)")
        if not typed or not typed.strip():
            return None, False
        path = Path(typed.strip())
    while True:
        replace = False
        while path.exists():
            if _yes(f"{path} 已存在，覆盖？ Overwrite?" if zh else f"{path} exists. Overwrite?"):
                replace = True
                break
            typed = _ask("另存为（留空则不保存） Save as (empty: do not save)" if zh else "Save as (empty: do not save)")
            if not typed or not typed.strip():
                return None, False
            path = Path(typed.strip())
        if path.suffix.lower() in (".yaml", ".yml"):
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        else:
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        try:
            write_atomically({path: text.encode("utf-8")}, replace=replace)
        except OSError as exc:
            reason = "appeared meanwhile" if isinstance(exc, FileExistsError) else exc.strerror or str(exc)
            _c.err.print(f"[bold red]错误 (error):[/] 无法写入 (cannot write) {escape(str(path))}: {escape(reason)}")
            typed = _ask("另存为（留空则不保存） Save as (empty: do not save)" if zh else "Save as (empty: do not save)")
            if not typed or not typed.strip():
                return None, False
            path = Path(typed.strip())
            continue
        return path, False


@app.command()
def interview(
    start: Annotated[Optional[str], typer.Option("--from", help="从已有的（部分）画像开始，JSON 或 YAML。 Start from a partial profile.", show_default=False)] = None,
    save: Annotated[Optional[Path], typer.Option("--save", help="结束后保存画像到此文件（已存在时先询问）。 Save the profile here (asks before overwriting).", show_default=False)] = None,
    lang: LangOpt = "zh",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）。 Evaluate as of this date.")] = None,
    rules: RulesOpt = None,
) -> None:
    """问答式自查：只问决定结论的问题，逐步给出结论。 Answer only the questions that decide open supports.

    Each answer is checked at once (a wrong one is asked again) and verdicts are shown as they settle. Press Enter or type ? to skip a question, q to stop. At the end you may save the profile; an existing file is never overwritten without asking.

    Example: eligibility interview --from examples/battery_materials.json --save my_profile.json
    """
    from ._interview import SKIP, STOP, Interview, answer_hint, check_answer_error, choice_lines
    from ._tabular import CellError

    language = _lang(lang)
    day = _as_of(as_of)
    zh = language == "zh"
    out = _c.out
    try:
        catalogue = load_catalogue(rules)
        data: dict = {}
        if start is not None:
            data = load_data(start)
            parse_profile(data, start)  # ProfileError naming the field
    except EligibilityError as exc:
        raise fail(exc) from None

    recovery = Recovery()
    found = latest() if start is None else None
    if found is not None:
        earlier, answers = found
        shown = escape(str(answers.get("name") or "?"))
        if _yes(
            f"发现上次未保存的问答（{shown}），继续？ Continue the unsaved interview ({shown}) kept in {escape(str(earlier.path))}?"
            if zh
            else f"Continue the unsaved interview ({shown}) kept in {escape(str(earlier.path))}?"
        ):
            data, recovery = answers, earlier

    out.print(
        "回答下列问题；直接回车或输入 ? 跳过，输入 q 结束。"
        if zh
        else "Answer the questions below; press Enter or type ? to skip, q to stop."
    )
    while not data.get("name"):
        typed = _ask("企业名称" if zh else "Enterprise name (name)")
        if typed is None or typed.strip().lower() in STOP:
            raise typer.Exit(0)
        if typed.strip() and typed.strip() not in SKIP:
            data = {**data, "name": typed.strip()}
        else:
            out.print("[yellow]企业名称必填 (the name is required)[/]")

    try:
        iv = Interview(data, as_of=day, catalogue=catalogue)
    except EligibilityError as exc:  # a recovery file edited by hand
        raise fail(exc) from None
    recovery.keep(iv.data)
    for s in iv.settled():
        out.print(_settled_line(s, language))
    asked = 0
    while (question := iv.next_question()) is not None:
        spec = question.field
        asked += 1
        decides = ("、" if zh else ", ").join(s.name(language) for s in iv.report.supports if s.id in question.decides)
        out.print(f"\n[bold]{asked}. {escape(spec.label(language))}[/]  [dim]({escape(spec.path)})[/]")
        if zh and spec.description:
            out.print(f"   [dim]{escape(spec.description)}[/]")
        out.print(f"   [dim]{'影响' if zh else 'decides'}：{escape(decides)}[/]")
        for line in choice_lines(spec, language) if spec.type in ("enum", "enum_list") else []:
            out.print(f"   {escape(line)}")
        stop = False
        while True:
            typed = _ask(answer_hint(spec, language))
            if typed is None or typed.strip().lower() in STOP:
                stop = True
                break
            if typed.strip() in SKIP:
                iv.skip(spec.path)
                break
            try:
                changed = iv.answer(spec.path, typed, spec)
            except (CellError, EligibilityError) as exc:
                for line in check_answer_error(exc):
                    out.print(f"[red]✗ {escape(line)}[/]")
                continue
            recovery.keep(iv.data)
            for s in changed:
                out.print(_settled_line(s, language))
            break
        if stop:
            break

    report = iv.report
    out.print("\n[bold]" + ("结论" if zh else "Verdicts") + "[/]")
    for verdict in VERDICT_ORDER:
        for s in report.by_verdict(verdict):
            line = _settled_line(s, language)
            if verdict is Verdict.needs_information and s.missing_fields:
                need = ("、" if zh else ", ").join(field_label(f, language) for f in s.missing_fields)
                line += f"（需补充：{escape(need)}）" if zh else f" (provide: {escape(need)})"
            out.print(line)
    saved, declined = _save_profile(iv.data, save, language)
    if saved is not None or declined:
        recovery.discard()
    elif recovery.path.exists():
        out.print(
            f"回答未保存，已留在 {escape(str(recovery.path))}；下次 eligibility interview 时可继续"
            if zh
            else f"The answers are not saved; they are kept in {escape(str(recovery.path))} and offered by the next eligibility interview"
        )
    if saved is not None:
        out.print(f"已保存 {escape(str(saved))}" if zh else f"Saved {escape(str(saved))}")
        out.print(f"eligibility check {escape(str(saved))}" + (" --lang en" if not zh else ""))


# --- batch --------------------------------------------------------------------------


def batch_progress(console: Console, total: int | None, zh: bool = True) -> "Progress":
    """The batch's progress display, with one task: with a known ``total``, a bar with the
    percentage, rows done of the total and the time left; else a counter with the time
    taken. Shown only on a terminal."""
    from rich.progress import (  # imported here: only batch shows progress, and it is slow to import
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    label = "检查中" if zh else "checking"
    if total is None:
        columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description} {task.completed}"), TimeElapsedColumn()]
    else:
        columns = [
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), MofNCompleteColumn(),
            TextColumn("剩余" if zh else "left"), TimeRemainingColumn(),
        ]
    progress = Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
    progress.add_task(label, total=total)
    return progress


@app.command()
def batch(
    input: Annotated[Optional[Path], typer.Argument(help="企业清单：.csv（UTF-8 或 GBK）、.txt（Unicode 文本）、.xlsx、.xls、.ods、.et 或 .jsonl。 Enterprises: CSV, text export, XLSX, XLS, ODS, ET or JSON Lines.", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="结果文件：.csv、.xlsx 或 .jsonl。 Results file: CSV, XLSX or JSON Lines.", show_default=False)] = None,
    lang: LangOpt = "zh",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="评估日期 YYYY-MM-DD（默认今天）。 Evaluate as of this date.")] = None,
    rules: RulesOpt = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的结果文件。 Overwrite existing output files.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="并行进程数，0 表示每个CPU核一个。 Worker processes; 0 for one per core.")] = 1,
    template: Annotated[Optional[Path], typer.Option("--template", help="生成填报模板 .xlsx（不检查）。 Write an input template (.xlsx) to fill in, and stop.", show_default=False)] = None,
) -> None:
    """园区批量检查：每家企业一行，每项政策一列，另附汇总。 Check many enterprises at once.

    Start with a template: eligibility batch --template 企业清单.xlsx (a column per profile field, with units, dropdowns and an instructions sheet).

    Columns are profile fields by dotted name (financials.2025.rd_expense) or Chinese title (企业名称, 2025年度研发费用); an empty cell is unknown. A row that cannot be read is reported with its row number and the others are still checked.

    CSV output gets its summary in OUTPUT.summary.csv, JSON Lines in OUTPUT.summary.json, XLSX on a second sheet. Existing files are not overwritten without --force. Exit code 1 if any row was invalid (the output is still written).

    Example: eligibility batch examples/batch_enterprises.csv -o results.xlsx
    """
    from ._batch import STDOUT, Outcome, output_paths, run_batch, summary_rows
    from ._tabular import INPUT_FORMATS, OUTPUT_FORMATS, Row, count_rows, jsonl_table, open_table, output_format, table_format
    from ._template import default_years, write_template

    language = _lang(lang)
    zh = language == "zh"
    day = _as_of(as_of) or date.today()
    if template is not None:
        if template.suffix.lower() != ".xlsx":
            raise typer.BadParameter(f"'{template}' 应为 .xlsx 文件 (must be an .xlsx file)", param_hint="--template")
        if not template.parent.is_dir():
            raise typer.BadParameter(f"目录不存在 (no such directory): {template.parent}", param_hint="--template")
        if template.exists() and not force:
            raise typer.BadParameter(f"文件已存在，未覆盖；加 --force 覆盖 (exists; use --force to overwrite): {template}", param_hint="--template")
        buffer = io.BytesIO()
        years = default_years(day)
        columns = write_template(buffer, years, language)
        write_atomically({template: buffer.getvalue()}, replace=force)
        _c.out.print(
            f"已写入模板 {escape(str(template))}：{len(columns)} 列（{years[0]}–{years[-1]} 年度财务数据）；填好后运行 eligibility batch {escape(str(template))} -o 结果.xlsx"
            if zh
            else f"Wrote the template {escape(str(template))}: {len(columns)} columns (fiscal years {years[0]}-{years[-1]}); fill it in, then run eligibility batch {escape(str(template))} -o results.xlsx"
        )
        return
    if input is None:
        raise typer.BadParameter("缺少企业清单文件 (missing the enterprises file)", param_hint="INPUT")
    if output is None:
        raise typer.BadParameter("缺少 -o 结果文件 (missing -o OUTPUT)", param_hint="--output")
    from_stdin, to_stdout = str(input) == STDOUT, str(output) == STDOUT
    if not from_stdin and table_format(input) is None:
        kinds = "、".join(INPUT_FORMATS)
        raise typer.BadParameter(f"'{input}' 应为 {kinds} 文件，或 - 表示标准输入 (must be a table: CSV, text, XLSX, XLS, ODS, ET or JSON Lines; or - for standard input)", param_hint="INPUT")
    if not to_stdout and output_format(output) is None:
        kinds = "、".join(OUTPUT_FORMATS)
        raise typer.BadParameter(f"'{output}' 应为 {kinds} 文件，或 - 表示标准输出 (must be CSV, XLSX or JSON Lines; or - for standard output)", param_hint="--output")
    targets = [] if to_stdout else output_paths(output)
    if not from_stdin and any(t.resolve() == input.resolve() for t in targets):
        raise typer.BadParameter("结果文件不能是输入文件 (the output must not be the input)", param_hint="--output")
    if not to_stdout and not output.parent.is_dir():
        raise typer.BadParameter(f"目录不存在 (no such directory): {output.parent}", param_hint="--output")
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(str(t) for t in existing)
        raise typer.BadParameter(f"文件已存在，未覆盖；加 --force 覆盖 (exists; use --force to overwrite): {names}", param_hint="--output")
    err = _c.err
    out = err if to_stdout else _c.out  # standard output carries the results alone

    try:
        catalogue = load_catalogue(rules)
        if from_stdin:  # JSON Lines, read as they come
            rows = jsonl_table(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline=""))
            total = None
        else:
            rows = open_table(input)  # the header is checked now; rows are parsed where they are checked
            total = count_rows(input) if err.is_terminal else None
        with batch_progress(err, total, zh) as progress:
            task = progress.tasks[0].id

            def on_row(row: Row, outcome: Outcome | None) -> None:
                _stop_if_terminated()
                progress.advance(task)
                for line in row.messages() if outcome is None else ():  # as they come: none is kept
                    err.print(f"[bold red]{'错误' if zh else 'error'}:[/] {escape(line)}")

            summary = run_batch(
                rows, output, as_of=day, catalogue=catalogue, lang=language, processes=jobs or None, on_row=on_row,
                source="-" if from_stdin else input.name, replace=force,
            )
    except WorkerError as exc:  # killed twice on the same rows (out of memory?): stopped as an interrupted run is
        exit_ = fail(exc)
        err.print(
            ("结果文件未写入，原有文件保持不变" if zh else "No results file was written; existing files are as they were")
            if targets
            else ("标准输出上的结果不完整" if zh else "The results on standard output are incomplete")
        )
        raise exit_ from None
    except EligibilityError as exc:  # the file cannot be read: at its start, or a broken line further on
        raise fail(exc) from None
    except FileExistsError as exc:  # another run, or the user, wrote the output meanwhile
        err.print(
            f"[bold red]错误 (error):[/] {escape(str(exc.filename))} 在运行期间出现，未覆盖；加 --force 覆盖 "
            "(appeared during the run; not replaced; use --force)"
        )
        raise typer.Exit(EXIT_INVALID) from None
    except OSError as exc:  # the input's read errors are EligibilityErrors: this is the output
        err.print(f"[bold red]错误 (error):[/] 无法写入 (cannot write) {escape(str(output))}: {escape(exc.strerror or str(exc))}")
        raise typer.Exit(EXIT_INVALID) from None

    table = Table(title=(f"汇总（评估日期 {day}）" if zh else f"Summary (as of {day})"))
    for col in (("政策", "Support"), ("可以申报", "Eligible"), ("需补充信息", "Needs information"), ("暂不符合", "Not eligible")):
        table.add_column(col[0] if zh else col[1], justify="left" if col[0] == "政策" else "right")
    for sid, name, *counts in summary_rows(summary, language):
        table.add_row(escape(name), *(str(n) for n in counts))
    out.print(table)
    bad = len(summary.invalid)
    files = ", ".join(str(t) for t in targets) or ("标准输出" if zh else "standard output")
    out.print(
        f"已写入 {escape(files)}：{summary.rows} 家企业，{bad} 行有错误"
        if zh
        else f"Wrote {escape(files)}: {summary.rows} enterprises, {bad} row(s) with errors"
    )
    if bad:
        raise typer.Exit(EXIT_INVALID)


# --- diff ---------------------------------------------------------------------------


@app.command()
def diff(
    input: Annotated[Path, typer.Argument(help="企业清单（与 batch 相同的格式）。 Enterprises, in any format batch reads.", show_default=False)],
    rules_a: Annotated[Optional[Path], typer.Option("--rules-a", help="A 侧规则目录（默认内置）。 Rules directory of side A (default: bundled).", show_default=False)] = None,
    rules_b: Annotated[Optional[Path], typer.Option("--rules-b", help="B 侧规则目录（默认内置）。 Rules directory of side B (default: bundled).", show_default=False)] = None,
    as_of_a: Annotated[Optional[str], typer.Option("--as-of-a", help="A 侧评估日期（默认 --as-of 或今天）。 Date of side A.")] = None,
    as_of_b: Annotated[Optional[str], typer.Option("--as-of-b", help="B 侧评估日期（默认 --as-of 或今天）。 Date of side B.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="两侧共同的评估日期（默认今天）。 Date of both sides.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="写入 .xlsx 或 .json 文件。 Write an .xlsx or .json file.", show_default=False)] = None,
    format: Annotated[str, typer.Option("--format", help="终端输出 table 或 json。 Terminal output: table or json.")] = "table",
    lang: LangOpt = "zh",
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的输出文件。 Overwrite an existing output file.")] = False,
) -> None:
    """规则或日期变化的影响：同一企业清单在 A、B 两侧的结果对比。 What changes for whom between two rule sets or dates.

    Per support, how many enterprises move from each verdict to each other; then each enterprise that changes,
    with the conditions whose outcome changed and the parameter values (required on A and on B) behind them.

    Example: eligibility diff 企业清单.xlsx --rules-b 新规则/ -o 变化.xlsx
    """
    from ._batch import write_atomically
    from ._diff import Side, diff_rows
    from ._diff_output import change_header, change_rows, to_json, transition_header, transition_rows, write_xlsx
    from ._tabular import INPUT_FORMATS, open_table, table_format

    language = _lang(lang)
    zh = language == "zh"
    if format not in ("table", "json"):
        raise typer.BadParameter(f"'{format}' 应为 table 或 json (must be table or json)", param_hint="--format")
    if table_format(input) is None:
        raise typer.BadParameter(f"'{input}' 应为 {'、'.join(INPUT_FORMATS)} 文件 (must be a table batch reads)", param_hint="INPUT")
    if output is not None:
        if output.suffix.lower() not in (".xlsx", ".json"):
            raise typer.BadParameter(f"'{output}' 应为 .xlsx 或 .json 文件 (must be .xlsx or .json)", param_hint="--output")
        if output.exists() and not force:
            raise typer.BadParameter(f"文件已存在，未覆盖；加 --force 覆盖 (exists; use --force to overwrite): {output}", param_hint="--output")
        if output.exists() and output.resolve() == input.resolve():
            raise typer.BadParameter("结果文件不能是输入文件 (the output must not be the input)", param_hint="--output")
    common = _as_of(as_of) or date.today()
    day_a, day_b = _as_of(as_of_a) or common, _as_of(as_of_b) or common
    try:
        catalogue_a = load_catalogue(rules_a)
        catalogue_b = catalogue_a if rules_b == rules_a else load_catalogue(rules_b)
        a, b = Side(catalogue_a, day_a), Side(catalogue_b, day_b)
        result = diff_rows(open_table(input), a, b, source=input.name)
        if output is not None:
            buffer = io.BytesIO()
            if output.suffix.lower() == ".xlsx":
                write_xlsx(buffer, result, language)
            else:
                buffer.write((json.dumps(to_json(result), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            write_atomically({output: buffer.getvalue()})
    except EligibilityError as exc:
        raise fail(exc) from None
    except OSError as exc:
        _c.err.print(f"[bold red]错误 (error):[/] 无法写入 (cannot write) {escape(str(output))}: {escape(exc.strerror or str(exc))}")
        raise typer.Exit(EXIT_INVALID) from None
    for row in result.invalid:
        for line in row.messages():
            _c.err.print(f"[bold red]{'错误' if zh else 'error'}:[/] {escape(line)}")
    if format == "json":
        _c.out.print_json(json.dumps(to_json(result), ensure_ascii=False))
    else:
        side = lambda r: f"{r.catalogue_version} ({r.rules_fingerprint}) {r.as_of}"  # noqa: E731
        _c.out.print(f"A: {escape(side(result.a))}\nB: {escape(side(result.b))}")
        moves = Table(title="各项政策的结果变化" if zh else "Moves per support")
        for head in transition_header(language)[1:]:
            moves.add_column(head, justify="right" if head in ("企业数", "enterprises") else "left")
        for _, name, va, vb, n in transition_rows(result, language):
            moves.add_row(escape(name), va, vb, str(n))
        _c.out.print(moves if moves.row_count else ("两侧结果相同，没有企业变化。" if zh else "No enterprise's verdict changes."))
        if result.changed:
            changes = Table(title="结果变化的企业及其条件" if zh else "Enterprises that change, and why")
            header = change_header(language)
            keep = [0, 1, 3, 4, 5, 6, 8, 9, 11, 12, 13]  # without USCC, rule path, parameter id, B's value
            for i in keep:  # names whole; the rest folds rather than being cut
                changes.add_column(header[i], no_wrap=i == 1, overflow="fold")
            for values in change_rows(result, language):
                changes.add_row(*(escape(str(values[i])) for i in keep))
            _c.out.print(changes)
    message = (
        f"{result.rows} 家企业，{len(result.changed)} 家的结果有变化，{len(result.invalid)} 行有错误"
        if zh
        else f"{result.rows} enterprises, {len(result.changed)} with changed verdicts, {len(result.invalid)} row(s) with errors"
    )
    (_c.err if format == "json" else _c.out).print(message + (f"；已写入 {escape(str(output))}" if zh and output else f"; wrote {escape(str(output))}" if output else ""))
    if result.invalid:
        raise typer.Exit(EXIT_INVALID)


_TERMINATED: list[int] = []
"""The signal that asked the command to end (SIGTERM, SIGINT), once one came."""


def _terminate(signum: int, frame: Any) -> None:
    # SIGTERM ends the command as Ctrl-C does: through the cleanup of temporary files.
    _TERMINATED.append(signum)
    raise SystemExit(128 + signum)


def _interrupt(signum: int, frame: Any) -> None:
    _TERMINATED.append(signum)
    signal.default_int_handler(signum, frame)  # KeyboardInterrupt, as without this handler


def _stop_if_terminated() -> None:
    """End the command if a signal asked it to and its exception was lost on the way: a
    handler's exception is discarded when the signal comes while C code runs Python code and
    drops its errors (seen: SIGTERM while pydantic-core ran a validator, and a batch then ran
    to its end, about 1 run in 15 under load). The batch's loop over rows calls this."""
    if _TERMINATED:
        if _TERMINATED[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + _TERMINATED[0])


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址。 Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口。 Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="工作进程数。 Worker processes.")] = 1,
    rules: RulesOpt = None,
    cors: Annotated[
        Optional[list[str]],
        typer.Option("--cors", help="允许跨域调用的来源（可重复）。 An origin allowed to call from a web page (repeatable).", show_default=False),
    ] = None,
    max_body: Annotated[int, typer.Option("--max-body", min=1, help="JSON 请求体上限（字节）。 Largest JSON body, bytes.")] = 1 * 2**20,
    max_upload: Annotated[int, typer.Option("--max-upload", min=1, help="批量上传文件上限（字节）。 Largest batch upload, bytes.")] = 8 * 2**20,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="一次批量上传的企业数上限。 Most enterprises in one batch upload.")] = 5000,
) -> None:
    """启动 JSON 服务与自查页面（需安装 serve 扩展）。 Start the JSON service and the self-check page.

    OpenAPI at /openapi.json, the page at /. Needs the serve extra: pip install ".[serve]".

    Example: eligibility serve --port 8000 --cors https://portal.example
    """
    try:
        import uvicorn

        from .service import create_app
    except ImportError as exc:
        _c.err.print(
            f"[bold red]错误 (error):[/] 缺少 serve 扩展 (the serve extra is not installed: {escape(str(exc))}); "
            "pip install \"zhushan-eligibility[serve]\"  (或在源码目录 / in a checkout: pip install \".[serve]\")"
        )
        raise typer.Exit(EXIT_USAGE) from None
    try:
        load_catalogue(rules)  # a broken rules directory is told here, once, not by each worker
    except EligibilityError as exc:
        raise fail(exc) from None
    if workers > 1:  # each worker process builds the app from these variables
        os.environ.update(
            ELIGIBILITY_RULES=str(rules or ""), ELIGIBILITY_CORS=",".join(cors or []), ELIGIBILITY_MAX_BODY=str(max_body),
            ELIGIBILITY_MAX_UPLOAD=str(max_upload), ELIGIBILITY_MAX_ROWS=str(max_rows),
        )
        uvicorn.run("eligibility.service:app_from_environment", factory=True, host=host, port=port, workers=workers, access_log=False)
        return
    app_ = create_app(rules, cors=cors or None, max_body=max_body, max_upload=max_upload, max_rows=max_rows)
    uvicorn.run(app_, host=host, port=port, access_log=False)


def main() -> None:
    """Entry point of the ``eligibility`` command.

    After a :func:`one_shot` command, once the standard streams are flushed, the process ends
    at once (``os._exit``): nothing is left for the interpreter's exit to do but free memory. Any
    other command, an error, or a stream that cannot be flushed (a closed pipe) ends as usual.
    """
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except SystemExit as done:
        if _one_shot_done and (done.code is None or isinstance(done.code, int)):
            _end_now(done.code or 0)
        raise


def _end_now(code: int) -> NoReturn:
    try:
        for stream in dict.fromkeys((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # what the interpreter's exit would report, reported by it
        raise SystemExit(code) from None
    os._exit(code)
