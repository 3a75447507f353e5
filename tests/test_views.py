"""Report views: a summary sized for a result page, a report without repetition, the full report."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from eligibility import ConditionResult, Report, Verdict, evaluate, evaluate_view_json, load_profile, report_view, view_json
from eligibility._evaluate import prepared_for
from eligibility.errors import EngineError
from eligibility._commands import app
from eligibility.report import Gap, GapKind, SupportResult
from eligibility._views import CompactReport, SummaryReport, SupportEntry

from conftest import AS_OF, EXAMPLES, make_profile

runner = CliRunner()
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def reports(catalogue) -> dict[str, Report]:
    return {p.stem: evaluate(load_profile(p), as_of=AS_OF, catalogue=catalogue) for p in EXAMPLE_FILES}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_of_every_example_is_under_10_kb(reports, lang):
    """The full catalogue's summary stays under 10 KB for each bundled example."""
    for name, report in reports.items():
        assert len(view_json(report, "summary", lang).encode("utf-8")) < 10_000, name


def test_the_summary_has_the_reports_verdicts_and_missing_fields(reports):
    """Each support's verdict, department and missing fields are the report's."""
    for report in reports.values():
        summary = report_view(report, "summary", "zh")
        assert isinstance(summary, SummaryReport)
        assert [(s.id, s.verdict, s.missing_fields) for s in summary.supports] == [
            (s.id, s.verdict, s.missing_fields) for s in report.supports
        ]
        assert [s.department for s in summary.supports] == [s.department.zh if s.department else None for s in report.supports]


def test_the_summary_labels_every_missing_field(reports):
    """Every field a support asks for has its label, once."""
    for report in reports.values():
        summary = report_view(report, "summary", "zh")
        asked = {f for s in summary.supports for f in s.missing_fields}
        assert set(summary.labels) == asked


def test_the_summary_gives_a_reason_and_a_gap_for_each_support_not_eligible(reports):
    """A not-eligible support has its first failed condition and its first gap; others have none."""
    report = reports["battery_materials"]
    for s, full in zip(report_view(report, "summary").supports, report.supports):
        if full.verdict.value == "not_eligible":
            assert s.reason and s.gap
        else:
            assert s.reason is None and s.gap is None


def test_an_english_summary_has_names_departments_and_reasons_in_english(reports):
    """lang=en gives each support's English name and department, and English reasons."""
    report = reports["battery_materials"]
    summary = report_view(report, "summary", "en")
    assert [(s.name, s.department) for s in summary.supports] == [
        (s.name.en, s.department.en if s.department else None) for s in report.supports
    ]
    reasons = " ".join(s.reason or "" for s in summary.supports)
    assert reasons and not CJK.search(reasons)


@pytest.mark.parametrize("view", ["summary", "report", "full"])
def test_evaluate_view_gives_the_view_of_the_evaluated_report(catalogue, view):
    """evaluate_view_json (the service's /evaluate) equals view_json of evaluate for each example."""
    for path in EXAMPLE_FILES:
        profile = load_profile(path)
        expected = view_json(evaluate(profile, as_of=AS_OF, catalogue=catalogue), view, "en")
        assert evaluate_view_json(profile, view, "en", as_of=AS_OF, catalogue=catalogue) == expected, path.name


def test_the_full_reports_json_is_the_same_from_16_threads_as_from_one(catalogue):
    """The JSON of the full view (parts shared by every report kept once, for all threads)
    is the same written by 16 threads at once as one after another."""
    profiles = [load_profile(p) for p in EXAMPLE_FILES] * 8

    def one(profile):
        return evaluate_view_json(profile, "full", as_of=AS_OF, catalogue=catalogue)

    with ThreadPoolExecutor(max_workers=16) as pool:
        together = list(pool.map(one, profiles))
    assert together == [evaluate(p, as_of=AS_OF, catalogue=catalogue).model_dump_json() for p in profiles]


def test_the_summary_carries_the_changes_on_date(catalogue):
    """A verdict that changes by date alone has its date in the summary."""
    report = evaluate(load_profile(EXAMPLES / "hnte_grade_b.json"), as_of=AS_OF, catalogue=catalogue)
    changing = [s for s in report.supports if s.changes_on]
    assert changing
    summary = {s.id: s for s in report_view(report, "summary").supports}
    for s in changing:
        assert (summary[s.id].changes_on, summary[s.id].changes_to) == (s.changes_on, s.changes_to)


def _expand(compact: CompactReport) -> Report:
    """The full report back from the report view: what the view left out is found by id."""
    derived = {s.id: s for s in compact.derived}

    def gap(g: Gap) -> Gap:
        if g.kind is GapKind.obtain and g.rule:
            return g.model_copy(update={"gaps": [gap(x) for x in derived[g.rule].gaps]})
        return g

    def node(n: ConditionResult) -> ConditionResult:
        if n.kind == "rule" and n.rule:
            kids = [node(derived[n.rule].explanation)]  # type: ignore[arg-type]
        else:
            kids = [node(c) for c in n.children]
        return n.model_copy(update={"children": kids, "gaps": [gap(g) for g in n.gaps]})

    def entry(s: SupportEntry) -> SupportResult:
        data = dict(s.__dict__)
        data["assumptions"] = [compact.assumptions[a] for a in s.assumptions]
        data["gaps"] = [gap(g) for g in s.gaps]
        data["explanation"] = node(s.explanation) if s.explanation else None
        return SupportResult.model_construct(**data)

    return Report.model_construct(
        enterprise=compact.enterprise, uscc=compact.uscc, record=compact.record,
        supports=[entry(s) for s in compact.supports], derived=[entry(s) for s in compact.derived],
    )


def test_the_report_view_loses_nothing(reports):
    """Putting back each derived explanation and assumption by id gives the full report."""
    for report in reports.values():
        compact = CompactReport.model_validate_json(view_json(report, "report"))
        assert _expand(compact).model_dump() == report.model_dump()


def test_the_report_view_stores_each_derived_explanation_once(reports):
    """No rule node in the report view carries the derived rule's tree."""
    compact = report_view(reports["battery_materials"], "report")
    assert isinstance(compact, CompactReport)

    def rule_nodes(n: ConditionResult):
        if n.kind == "rule":
            yield n
        for c in n.children:
            yield from rule_nodes(c)

    nodes = [r for s in (*compact.supports, *compact.derived) if s.explanation for r in rule_nodes(s.explanation)]
    assert nodes and all(not n.children for n in nodes)


def test_the_report_view_is_less_than_half_the_full_report(reports):
    """The report view of each example is under half the size of the full report."""
    for report in reports.values():
        assert len(view_json(report, "report")) * 2 < len(view_json(report, "full"))


def test_the_full_view_is_the_report(reports):
    """``full`` is the report's own JSON."""
    report = reports["battery_materials"]
    assert view_json(report, "full") == report.model_dump_json()


def test_check_json_summary_view_in_english():
    """``check --format json --view summary --lang en`` prints the English summary."""
    result = runner.invoke(
        app, ["check", str(EXAMPLES / "battery_materials.json"), "-f", "json", "--view", "summary", "-l", "en", "--as-of", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lang"] == "en" and data["record"]["as_of"] == "2026-11-25"
    assert {s["id"] for s in data["supports"]} >= {"tech_innovation_board_listing"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_json_summary_view_is_the_full_reports_summary(catalogue, lang):
    """``check -f json --view summary`` (made without the full report) prints the full report's
    summary, indented, for each example."""
    for path in EXAMPLE_FILES:
        result = runner.invoke(app, ["check", str(path), "-f", "json", "--view", "summary", "-l", lang, "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 0, result.output
        expected = view_json(evaluate(load_profile(path), as_of=AS_OF, catalogue=catalogue), "summary", lang, indent=2)
        assert result.stdout == expected + "\n", path.name


def test_sixteen_threads_give_the_serial_summaries(catalogue):
    """A portal's threads asking for summaries at once (sharing the rules compiled to find
    the reasons and gaps, and the explanations' cached comparisons) get the summaries one
    thread gives."""
    profiles = [load_profile(f) for f in EXAMPLE_FILES] + [
        make_profile(listing_status="none", in_tech_enterprise_pool=True, certifications={"knowledge_value_grade": g}) for g in "ABCDE"
    ]

    def summary(p):
        return evaluate_view_json(p, "summary", "en", as_of=AS_OF, catalogue=catalogue)

    serial = [summary(p) for p in profiles]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(summary, profiles * 16)) == serial * 16


def test_check_view_without_json_is_a_usage_error():
    """``--view`` with a text format exits 2 naming the option."""
    result = runner.invoke(app, ["check", str(EXAMPLES / "battery_materials.json"), "--view", "summary"])
    assert result.exit_code == 2
    assert "--view" in result.output


def test_an_unknown_view_is_refused(catalogue):
    """report_view names the views it knows."""
    with pytest.raises(ValueError, match="summary, report, full"):
        report_view(evaluate(make_profile(), as_of=AS_OF, catalogue=catalogue), "short")  # type: ignore[arg-type]


def test_a_summary_refuses_an_outcome_the_python_deciders_contradict(catalogue, reports, monkeypatch):
    """A support durable-rules found not met that the Python deciders find met (a bug in one
    of them) stops the summary with an EngineError, as the full report does, rather than
    showing a verdict with no reason."""
    report = reports["battery_materials"]
    met = next(s.id for s in report.supports if s.verdict is Verdict.eligible)
    ruleset = prepared_for(catalogue, AS_OF).ruleset
    engine = ruleset.run
    monkeypatch.setattr(ruleset, "run", lambda facts: {**engine(facts), met: False})
    with pytest.raises(EngineError, match=met):
        evaluate_view_json(load_profile(EXAMPLES / "battery_materials.json"), "summary", as_of=AS_OF, catalogue=catalogue)
