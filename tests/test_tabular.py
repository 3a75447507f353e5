"""Spreadsheet rows to profiles (eligibility._tabular) and batch output (eligibility._batch)."""

from __future__ import annotations

import os
import tempfile
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility import evaluate
from eligibility._batch import evaluate_many, write_atomically
from eligibility.errors import ProfileError
from eligibility._fields import field_spec
from eligibility._tabular import CellError, Columns, parse_value, read_csv, resolve_header

from conftest import AS_OF, make_profile
from strategies import CATALOGUE, valid_data


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("企业名称", "name"),
        ("name", "name"),
        (" 职工总数（人） ", "staff_total"),
        ("Ⅰ类知识产权数量", "ip.class_i"),
        ("certifications.knowledge_value_grade", "certifications.knowledge_value_grade"),
        ("financials.2025.rd_expense", "financials.2025.rd_expense"),
        ("financials[2024].net_profit", "financials.2024.net_profit"),
        ("2025年度研发费用", "financials.2025.rd_expense"),
        ("2025年研发费用（元）", "financials.2025.rd_expense"),
        ("2025年度营业收入(销售收入)", "financials.2025.operating_revenue"),
    ],
)
def test_headers_are_dotted_names_or_chinese_titles(header, column):
    assert resolve_header(header) == column


@pytest.mark.parametrize("header", ["员工人数", "职工总数（元）", "financials.2025.nope", "financials.rd_expense"])
def test_other_headers_are_not_columns(header):
    assert resolve_header(header) is None


@pytest.mark.parametrize(
    ("path", "cell", "value"),
    [
        ("founder.is_returnee", "是", True),
        ("founder.is_returnee", "N", False),
        ("founder.is_returnee", "0", False),
        ("founder.is_returnee", "TRUE", True),
        ("sector", "工业", "industry"),
        ("sector", "retail", "retail"),
        ("certifications.knowledge_value_grade", "B级", "B"),
        ("rd_institution.level", "无", "none"),
        ("industry_chains", "新能源电池、漆包线、电机及生活电器；光伏", ["new_energy_battery", "enamelled_wire_motor_appliance", "photovoltaic"]),
        ("industry_chains", "无", []),
        ("financials[2025].rd_expense", "1,234,500", 1234500),
        ("financials[2025].rd_expense", "460万", 4600000),
        ("financials[2025].rd_expense", "1.5亿元", 150000000),
        ("financials[2025].rd_expense", 3e6, 3000000),
        ("staff_total", "12.5", 12.5),
        ("registration_date", "2019/6/18", "2019-06-18"),
        ("registration_date", "2019年6月18日", "2019-06-18"),
        ("uscc", " 91420323MA4F0XK151 ", "91420323MA4F0XK151"),
        ("staff_total", "  ", None),
        ("founder.is_returnee", None, None),
    ],
)
def test_cells_are_read_as_their_field_type(path, cell, value):
    assert parse_value(field_spec(path), cell) == value


@pytest.mark.parametrize(
    ("path", "cell", "message"),
    [
        ("founder.is_returnee", "也许", "应为 是 或 否"),
        ("sector", "工厂", "取值应为以下之一"),
        ("financials[2025].rd_expense", "1.5", "应为整数"),
        ("staff_total", "many", "应为数字"),
        ("registration_date", "2019-02-30", "应为日期"),
    ],
)
def test_unreadable_cells_say_what_is_expected(path, cell, message):
    with pytest.raises(CellError, match=message):
        parse_value(field_spec(path), cell)


@given(st.integers(min_value=0, max_value=10**9))
def test_yuan_in_wan_are_exact(n):
    """N万 is N × 10 000 yuan, and thousands separators are ignored."""
    spec = field_spec("financials[2025].operating_revenue")
    assert parse_value(spec, f"{n}万") == n * 10_000
    assert parse_value(spec, f"{n:,}") == n


def test_a_bad_row_lists_every_problem_with_the_users_header():
    """Type errors and validation errors of one row are all reported, by the header as written."""
    rows = read_csv("企业名称,职工总数,科技人员数,所属行业门类\n甲,5,9,工厂\n乙,5,1,工业\n")
    bad, good = rows
    assert not bad.ok and good.ok
    assert len(bad.messages()) == 2
    assert any(m.startswith("row 2: 所属行业门类: ") for m in bad.messages())
    assert any(m.startswith("row 2: 科技人员数: ") for m in bad.messages())


def test_a_header_row_without_a_name_column_is_refused():
    with pytest.raises(ProfileError) as exc:
        Columns.from_headers(["职工总数"])
    assert "企业名称" in str(exc.value)


def test_a_repeated_column_is_refused():
    with pytest.raises(ProfileError, match="repeats a column"):
        Columns.from_headers(["企业名称", "name"])


def test_evaluate_many_gives_the_same_reports_as_one_at_a_time():
    profiles = [make_profile(founder={"is_returnee": True}), {"name": "乙", "staff_total": -1}, make_profile(sector="industry")]
    results = list(evaluate_many(profiles, as_of=AS_OF))
    assert results[0] == evaluate(profiles[0], as_of=AS_OF, explain=False)
    assert isinstance(results[1], ProfileError)
    assert results[2] == evaluate(profiles[2], as_of=AS_OF, explain=False)


def test_evaluate_many_over_processes_equals_one_at_a_time():
    profiles = [make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": f"20{y}-05-01"}) for y in range(10, 26)]
    profiles += [make_profile(sector="industry", in_stats_register=True, financials=[{"year": 2025, "main_business_revenue": r}]) for r in range(0, 40_000_000, 2_000_000)]
    serial = list(evaluate_many(profiles, as_of=AS_OF))
    parallel = list(evaluate_many(profiles, as_of=AS_OF, processes=2, chunk_size=3))
    assert parallel == serial == [evaluate(p, as_of=AS_OF, explain=False) for p in profiles]


def test_an_invalid_profile_keeps_its_problems_across_processes():
    profiles = [make_profile(), {"name": "乙", "staff_total": -1}]
    [ok, bad] = list(evaluate_many(profiles, as_of=AS_OF, processes=2, chunk_size=1))
    assert not isinstance(ok, ProfileError)
    assert isinstance(bad, ProfileError) and [p.location for p in bad.problems] == ["staff_total"]


def test_an_interrupted_write_leaves_the_old_files_and_no_temporary_file(tmp_path):
    """If renaming fails, neither target changes and no temporary file remains."""
    a, b = tmp_path / "a.csv", tmp_path / "a.summary.csv"
    a.write_text("old", encoding="utf-8")
    with mock.patch("eligibility._batch.os.replace", side_effect=OSError("disk full")), pytest.raises(OSError):
        write_atomically({a: b"new", b: b"new"})
    assert a.read_text(encoding="utf-8") == "old" and not b.exists()
    assert sorted(os.listdir(tmp_path)) == ["a.csv"]
    write_atomically({a: b"new", b: b"new"})
    assert a.read_bytes() == b.read_bytes() == b"new"


@given(data=valid_data)
def test_a_batch_keeps_of_each_report_exactly_its_supports_verdicts_and_missing_fields(data):
    """What `eligibility batch` writes comes from outcomes built without the report;
    they equal the outcome of the full report, missing fields and their order included."""
    from eligibility._batch import Outcome
    from eligibility._evaluate import Detail, prepare, run
    from eligibility._profile_io import parse_profile

    prepared = prepare(CATALOGUE, AS_OF)
    report = evaluate(data, as_of=AS_OF, catalogue=CATALOGUE)
    expected = Outcome.of(report)
    assert Outcome.of_evaluation(prepared, run(parse_profile(data), prepared, Detail.missing)) == expected
    assert list(expected.verdicts) == [s.id for s in report.supports]


def test_a_batch_run_gives_rows_the_outcomes_of_one_at_a_time_in_input_order_and_frees_their_profiles():
    from eligibility._batch import Outcome, iter_outcomes
    from eligibility._tabular import Row

    profiles = [make_profile(founder={"is_returnee": True, "hukou_in_county": True, "return_date": f"20{y}-05-01"}) for y in range(10, 26)]
    profiles += [make_profile(sector="industry", financials=[{"year": 2025, "main_business_revenue": r}]) for r in range(0, 40_000_000, 4_000_000)]
    expected = [Outcome.of(evaluate(p, as_of=AS_OF, catalogue=CATALOGUE)) for p in profiles]
    for processes in (1, 2):
        rows = [Row(number=i + 2, profile=p) for i, p in enumerate(profiles)]
        # unreadable rows first, in between and last keep their places
        rows[5:5] = [Row(number=90), Row(number=91)]
        rows = [Row(number=1), *rows, Row(number=99)]
        got = list(iter_outcomes(rows, as_of=AS_OF, catalogue=CATALOGUE, processes=processes))
        assert [row.number for row, _ in got] == [row.number for row in rows]
        assert [out for _, out in got if out is not None] == expected
        assert [row.number for row, out in got if out is None] == [1, 90, 91, 99]
        assert all(r.profile is None for r in rows)


def test_a_table_parsed_in_worker_processes_gives_the_rows_and_outcomes_of_one_process(tmp_path):
    """`batch` hands raw rows to its workers to parse: the rows (numbers, names, problems)
    and outcomes equal those of rows parsed and checked one at a time in this process."""
    from eligibility._batch import iter_outcomes
    from eligibility._tabular import iter_rows, open_table

    lines = ["序号,企业名称,统一社会信用代码,职工总数,科技人员数,2025年度研发费用,返乡创业人员,所属行业门类"]
    for i in range(60):
        staff = "-3" if i % 17 == 5 else str(10 + i)  # some rows invalid
        returnee = "也许" if i % 23 == 7 else ("是" if i % 2 else "否")
        lines.append(f"{i},企业{i},,{staff},{i % 9},{i * 10_000}万,{returnee},工业")
    lines.insert(30, ",,,,,,,")  # a blank row keeps the numbering of the rest
    src = tmp_path / "list.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def seen(pairs):
        return [(row.number, row.name, [str(p) for p in row.problems], row.profile, out) for row, out in pairs]

    one = seen(iter_outcomes(iter_rows(src), as_of=AS_OF, catalogue=CATALOGUE))
    for processes in (1, 2):
        assert seen(iter_outcomes(open_table(src), as_of=AS_OF, catalogue=CATALOGUE, processes=processes)) == one
    assert sum(out is None for *_, out in one) == 7  # 4 with staff < 0, 3 with 也许 for 是/否
    assert [n for n, *_ in one][28:31] == [30, 32, 33]


def test_a_batch_over_processes_reads_its_input_only_a_window_ahead():
    """The pool reads profiles in a thread of its own; it takes at most a window of them
    ahead of the results handed out, so a province streamed in does not pile up in memory,
    and stopping early closes the pool without waiting for the rest."""
    pulled = 0

    def province():
        nonlocal pulled
        for i in range(100_000):
            pulled += 1
            yield {"name": f"企业{i}"}

    results = evaluate_many(province(), as_of=AS_OF, catalogue=CATALOGUE, processes=2, chunk_size=4)
    first = next(results)
    assert first.enterprise == "企业0"
    assert pulled <= 4 * (2 * 2 + 1) + 4  # the window, and one chunk being filled
    results.close()


def test_rows_are_taken_one_at_a_time():
    from eligibility._batch import iter_outcomes
    from eligibility._tabular import Row

    taken: list[int] = []
    seen: list[tuple[int, int]] = []

    def rows():
        for i in range(5):
            taken.append(i)
            yield Row(number=i + 2, profile=make_profile())

    for row, outcome in iter_outcomes(rows(), as_of=AS_OF, catalogue=CATALOGUE):
        assert outcome is not None
        seen.append((row.number, len(taken)))
    assert [n for n, _ in seen] == [2, 3, 4, 5, 6]
    assert [t for _, t in seen] == [1, 2, 3, 4, 5]  # each row evaluated before the next is read


def test_a_batch_writes_its_rows_as_they_come_and_renames_the_files_in_place_at_the_end(tmp_path):
    """Rows reach the temporary file during the run (nothing holds them all); the target
    appears only when the run completes."""
    from eligibility._batch import run_batch
    from eligibility._tabular import Row

    out = tmp_path / "r.jsonl"
    sizes: list[int] = []

    def on_row(row, outcome):
        (temp,) = [p for p in tmp_path.iterdir() if p.name.startswith(".r.jsonl.")]
        sizes.append(temp.stat().st_size)
        assert not out.exists()

    rows = [Row(number=i + 1, profile=make_profile()) for i in range(600)]
    summary = run_batch(rows, out, as_of=AS_OF, catalogue=CATALOGUE, on_row=on_row)
    assert sizes == sorted(sizes) and len(set(sizes)) > 3  # written in pieces while the run went on
    assert summary.rows == 600 and not summary.invalid
    assert len(out.read_text(encoding="utf-8").splitlines()) == 600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl", "r.summary.json"]


def test_a_batch_that_fails_midway_leaves_no_file(tmp_path):
    from eligibility._batch import run_batch
    from eligibility.errors import ProfileError
    from eligibility._tabular import Row

    def rows():
        yield Row(number=1, profile=make_profile())
        raise ProfileError("第 3 行无法读取 (row 3 is broken)")

    def openpyxl_temporaries():
        return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("openpyxl.")}

    before = openpyxl_temporaries()
    out = tmp_path / "r.xlsx"
    with pytest.raises(ProfileError):
        run_batch(rows(), out, as_of=AS_OF, catalogue=CATALOGUE)
    assert list(tmp_path.iterdir()) == []
    assert openpyxl_temporaries() <= before  # the sheets' own temporary files are gone too


def test_a_json_lines_name_holding_a_unicode_line_separator_stays_one_line():
    """JSON allows U+2028 inside a string; only \\n, \\r and \\r\\n end a line."""
    from eligibility._tabular import read_jsonl

    rows = read_jsonl('{"name": "竹山\u2028甲公司"}\r\n{"name": "乙"}\n')
    assert [(r.number, r.name, r.problems) for r in rows] == [(1, "竹山\u2028甲公司", []), (2, "乙", [])]
