"""Many enterprises at once: evaluate, tabulate and write the results (``eligibility batch``).

:func:`evaluate_many` (reports, for programs) and :func:`iter_outcomes` (each row's
:class:`Outcome`, for tables) share one runner, in this process or spread over worker
processes; each result is the same as :func:`~eligibility.evaluate` gives for that
enterprise alone, on the same date with the same catalogue.

:func:`run_batch` writes each row's result as it comes (memory stays flat however long
the input), one row per enterprise:

* **CSV** (UTF-8 with BOM, which spreadsheet software opens as Chinese text), and the
  summary beside it in ``OUTPUT`` with the suffix ``.summary.csv``;
* **XLSX**, the summary on a second sheet;
* **JSON Lines**, verdicts as codes, and the summary in ``OUTPUT`` with ``.summary.json``.

Every file is written to a temporary file in the same directory and renamed into place
when the run completes, so a failed run leaves no half-written file.
"""

from __future__ import annotations

import codecs
import csv
import json
import multiprocessing as mp
import os
import sys
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Literal

from ._catalogue import Catalogue
from .errors import Problem, ProfileError, RuleError, WorkerError
from ._evaluate import VERDICT, Detail, Evaluation, Prepared, prepare, report_of, run
from ._fields import field_label
from ._render import t
from ._loader import load_catalogue
from .profile import EnterpriseProfile
from ._record import Record, record_of
from .report import Report, Verdict
from ._profile_io import parse_profile
from ._safe_files import atomic_files, scratch_dir, write_atomically
from ._safe_text import for_spreadsheet
from ._tabular import Columns, Row, Table, output_format
from ._text import Lang, Text, bi, display_width
from ._worker_pool import WorkerDied, WorkerStartFailed, imap

VERDICT_CELL: dict[Verdict, Text] = {
    Verdict.eligible: bi("可以申报", "eligible"),
    Verdict.needs_information: bi("需补充信息", "needs information"),
    Verdict.not_eligible: bi("暂不符合", "not eligible"),
}
_VERDICTS = (Verdict.eligible, Verdict.needs_information, Verdict.not_eligible)
VERDICT_COLOURS: dict[Verdict, tuple[str, str]] = {
    Verdict.eligible: ("006100", "C6EFCE"),
    Verdict.needs_information: ("9C5700", "FFEB9C"),
    Verdict.not_eligible: ("9C0006", "FFC7CE"),
}
"""Each verdict's text and fill colours in spreadsheets (the usual good, neutral, bad)."""
_MAX_ROWS = 1_048_576


def evaluate_many(
    profiles: Iterable[EnterpriseProfile | dict[str, Any]],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    explain: bool = False,
    processes: int | None = 1,
    chunk_size: int = 256,
    executor: Executor | None = None,
) -> Iterator[Report | ProfileError]:
    """Evaluate each profile; yields its report, or the :class:`ProfileError` of an invalid one.

    The catalogue is loaded once and every profile is evaluated on the same date (today
    when ``as_of`` is None, fixed when the run starts). Results come in input order and
    equal :func:`~eligibility.evaluate` with the same ``explain`` for each profile alone.
    ``processes`` > 1 (None: one per core) spreads the work over worker processes
    (where the platform can fork; elsewhere the work stays in this process). A worker
    that dies (killed, out of memory) is replaced and its chunk evaluated again; a chunk
    on which a second worker dies raises :class:`~eligibility.errors.WorkerError`.

    ``executor``: any :class:`concurrent.futures.Executor` instead (a
    ``ProcessPoolExecutor``, Dask's ``Client.get_executor()``, Ray's ...). It is given
    chunks of ``chunk_size`` profiles, a few chunks ahead of the results handed out; each
    of its workers loads the catalogue from its directory (``Catalogue.source``, checked
    by fingerprint) and prepares its own engine handles.
    """
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    mode: Mode = "explain" if explain else "report"
    if executor is not None:
        return _evaluate_on(executor, profiles, day, cat, mode, chunk_size)
    return _evaluate_all(profiles, day, cat, mode, processes, chunk_size)


@dataclass(frozen=True)
class Outcome:
    """What a batch keeps of one enterprise's report: its verdict on each support and the
    information it still needs (a whole report, some 40 KB, would not let a province's
    enterprises fit in memory; an outcome is well under 1 KB)."""

    enterprise: str
    uscc: str | None
    supports: tuple[str, ...]
    """The support ids, in report order (one tuple shared by every outcome of a run)."""
    verdict_of: tuple[Verdict, ...]
    """The verdict on each of ``supports``."""
    missing_fields: tuple[str, ...]
    """The fields the "needs information" verdicts name, each once, in report order."""

    @property
    def verdicts(self) -> dict[str, Verdict]:
        """Support id -> verdict, in report order."""
        return dict(zip(self.supports, self.verdict_of))

    def count(self, verdict: Verdict) -> int:
        """How many supports have ``verdict``."""
        return self.verdict_of.count(verdict)

    @classmethod
    def of(cls, report: Report) -> Outcome:
        """The outcome of a full report."""
        missing: dict[str, None] = {}
        for s in report.supports:
            missing.update(dict.fromkeys(s.missing_fields))
        ids = tuple(s.id for s in report.supports)
        return cls(report.enterprise, report.uscc, ids, tuple(s.verdict for s in report.supports), tuple(missing))

    @classmethod
    def of_evaluation(cls, prepared: Prepared, evaluation: Evaluation) -> Outcome:
        """The same as ``Outcome.of(report_of(prepared, evaluation))``, without building the report."""
        outcomes, missing = evaluation.outcomes, evaluation.missing
        ids = prepared.supports
        fields = dict.fromkeys(f for rid in ids if rid not in outcomes for f in missing.get(rid, ()))
        return cls(evaluation.enterprise, evaluation.uscc, ids, tuple(VERDICT[outcomes.get(rid)] for rid in ids), tuple(fields))


Mode = Literal["explain", "report", "outcome", "row"]
"""What the runner makes of each item: an explained report, a report, an :class:`Outcome`
(of a profile), or a (:class:`Row`, :class:`Outcome` or None) pair (of a raw row, parsed
where it is evaluated)."""
_Job = tuple[date, Catalogue, Mode, Callable[[Any], Row]]


def _parsed(row: Row) -> Row:
    """The parser of rows that are parsed already (the default: rows are parsed only in ``row`` mode)."""
    return row


def _evaluate_all(
    profiles: Iterable[Any],
    day: date,
    cat: Catalogue,
    mode: Mode,
    processes: int | None,
    chunk_size: int = 256,
    parse: Callable[[Any], Row] = _parsed,
    unit: str = "row",
) -> Iterator[Any]:
    """Each profile's explained report, report or :class:`Outcome` (by ``mode``), or its
    :class:`ProfileError`, in input order, in this process or spread over processes; in
    ``row`` mode, each raw row parsed by ``parse`` and its outcome (``unit``: how the raw
    rows' numbers count, for the :class:`WorkerError` that names them)."""
    workers = os.cpu_count() or 1 if processes is None else processes
    prepared = prepare(cat, day)
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for profile in profiles:
            yield _finish(prepared, mode, _evaluate_one(profile, prepared, mode, parse))
        return
    # The input is read in this process, a few chunks per worker ahead of the results handed
    # out (a province streamed in does not pile up); a worker that dies is replaced and its
    # chunks run again (_worker_pool).
    job: _Job = (day, cat, mode, parse)  # reaches the forked workers as it is
    results = imap(partial(_evaluate_chunk, job), _chunks(profiles, chunk_size), workers)
    try:
        for chunk in results:
            for item in chunk:
                yield _finish(prepared, mode, item)
    except WorkerDied as exc:
        raise _worker_error(exc, mode, chunk_size, unit) from None
    except WorkerStartFailed as exc:
        raise WorkerError(
            f"无法启动工作进程（内存不足或进程数已达上限？），运行已停止；--jobs 1 在本进程中运行"
            f" (cannot start a worker process, out of memory or too many processes?: the run stopped; --jobs 1 runs in this process)",
            [Problem(f"工作进程 (worker process): {exc.reason}", location="--jobs")],
        ) from None
    finally:
        results.close()  # the workers end now, also when the caller stops early


def _worker_error(exc: WorkerDied, mode: Mode, chunk_size: int, unit: str) -> WorkerError:
    """What the user is told when workers died twice on the same chunk: its rows, how the process ended."""
    if mode == "row":
        first, last = exc.task[0][0], exc.task[-1][0]
        zh, en = f"第 {first}–{last} 行", f"{unit}s {first}–{last}"
    else:
        first = exc.index * chunk_size + 1
        last = first + len(exc.task) - 1
        zh, en = f"第 {first}–{last} 家企业", f"enterprises {first}–{last} of the input"
    return WorkerError(
        f"工作进程在检查{zh}时两次意外终止（内存不足或被终止？），运行已停止"
        f" (a worker process died twice while checking {en}, out of memory or killed?: the run stopped)",
        [Problem(f"工作进程 (worker process): {exc.how}", location=f"{zh} ({en})")],
    )


def _evaluate_one(profile: Any, prepared: Prepared, mode: Mode, parse: Callable[[Any], Row]) -> Any:
    """What a worker sends back for one profile: small enough to pickle (a full report
    pickles to ~100 KB, so reports without explanations travel compact)."""
    if mode == "row":
        return _evaluate_row(parse(profile), prepared)
    try:
        if not isinstance(profile, EnterpriseProfile):
            profile = parse_profile(profile)
        if mode == "explain":
            return report_of(prepared, run(profile, prepared, Detail.explained))
        evaluation = run(profile, prepared, Detail.missing)
    except ProfileError as exc:
        return exc
    return Outcome.of_evaluation(prepared, evaluation) if mode == "outcome" else evaluation


def _evaluate_row(row: Row, prepared: Prepared) -> tuple[Row, Outcome | None]:
    """A parsed row and its outcome; the row gives up its profile (it need not travel back)."""
    profile, row.profile = row.profile, None
    if profile is None:
        return row, None
    try:
        return row, Outcome.of_evaluation(prepared, run(profile, prepared, Detail.missing))
    except ProfileError as exc:  # not expected: the row was validated already
        row.problems = list(exc.problems)
        return row, None


def _finish(prepared: Prepared, mode: Mode, item: Any) -> Any:
    """The result to hand out, from what :func:`_evaluate_one` gave (in this process)."""
    if mode == "report" and not isinstance(item, ProfileError):
        return report_of(prepared, item)
    return item


def _evaluate_chunk(job: _Job, chunk: list[Any]) -> list[Any]:
    """One chunk in a worker process."""
    day, cat, mode, parse = job
    prepared = prepare(cat, day)
    return [_evaluate_one(p, prepared, mode, parse) for p in chunk]


_AHEAD = 4
"""Chunks an executor is given beyond the one whose results are being handed out."""


def _evaluate_on(executor: Executor, profiles: Iterable[Any], day: date, cat: Catalogue, mode: Mode, chunk_size: int) -> Iterator[Any]:
    """:func:`_evaluate_all` through ``executor``: chunks submitted a few ahead, results
    handed out in input order."""
    if cat.source is None:
        raise ValueError("an executor's workers load the catalogue from its directory: this one was not loaded from one")
    prepared = prepare(cat, day)
    ref = (str(cat.source), cat.fingerprint)
    pending: deque[Future[list[Any]]] = deque()
    try:
        for chunk in _chunks(profiles, chunk_size):
            pending.append(executor.submit(_evaluate_part, chunk, day, ref, mode))
            if len(pending) > _AHEAD:
                for item in pending.popleft().result():
                    yield _finish(prepared, mode, item)
        while pending:
            for item in pending.popleft().result():
                yield _finish(prepared, mode, item)
    finally:
        for future in pending:  # the caller stopped early
            future.cancel()


def _evaluate_part(chunk: list[Any], day: date, ref: tuple[str, str], mode: Mode) -> list[Any]:
    """One chunk in an executor's worker: the catalogue loaded there once (and reloaded only
    if its files change), the engine handles prepared there."""
    prepared = prepare(_catalogue_at(*ref), day)
    return [_evaluate_one(p, prepared, mode, _parsed) for p in chunk]


def _catalogue_at(source: str, fingerprint: str) -> Catalogue:
    cat = load_catalogue(source)
    if cat.fingerprint != fingerprint:
        raise RuleError(f"规则目录在运行中被修改 (the rules directory changed during the run): {source}")
    return cat


def evaluate_partition(
    records: Iterable[Mapping[str, Any]],
    *,
    as_of: date,
    catalogue: str | Path | None = None,
    flat: bool = False,
) -> list[dict[str, Any]]:
    """One partition of a distributed run: records in, flat result rows out (Dask's
    ``map_partitions``, Spark's ``mapInPandas``; see the README).

    Each record is a profile as ``eligibility check`` reads it (nested JSON objects) or,
    with ``flat=True``, a spreadsheet row: column -> cell, the columns named as
    ``eligibility batch`` reads them (``financials.2025.rd_expense``, ``2025年度研发费用``),
    an empty, None or NaN cell unknown. ``catalogue`` is a rules directory (None: the
    bundled rules), loaded once per process; the engine handles are prepared in the
    process that runs this. Each result row holds only scalars, keys as
    :func:`partition_columns` lists them: the record's position in the partition, name,
    USCC, each support's verdict code, the counts per verdict, the missing fields
    (``;``-separated), the errors of a record that could not be read, and the record of
    what decided it (package and catalogue versions, rules fingerprint, date). The
    verdicts equal :func:`~eligibility.evaluate` on each record alone."""
    cat = load_catalogue(catalogue)
    prepared = prepare(cat, as_of)
    record = dict(record_of(cat, as_of).fields())
    headers: dict[tuple[str, ...], Columns] = {}
    out = []
    for i, data in enumerate(records):
        if flat:
            keys = tuple(data)
            columns = headers.get(keys) or headers.setdefault(keys, Columns.from_headers(keys))
            row = columns.row(i, data.values())
        else:
            row = _profile_row(i, data)
        row, outcome = _evaluate_row(row, prepared)
        out.append(_flat_result(prepared, row, outcome, record))
    return out


def partition_columns(*, as_of: date, catalogue: str | Path | None = None) -> list[str]:
    """The keys of :func:`evaluate_partition`'s rows, in order (for a table's schema)."""
    cat = load_catalogue(catalogue)
    record = [k for k, _ in record_of(cat, as_of).fields()]
    counts = [v.value for v in _VERDICTS]
    return ["index", "name", "uscc", *prepare(cat, as_of).supports, *counts, "missing_fields", "errors", *record]


def _profile_row(index: int, data: Mapping[str, Any]) -> Row:
    row = Row(index, unit="record")
    if isinstance(data.get("name"), str):
        row.name = data["name"]
    if isinstance(data.get("uscc"), str):
        row.uscc = data["uscc"]
    try:
        row.profile = parse_profile(dict(data))
    except ProfileError as exc:
        row.problems = list(exc.problems) or [Problem(exc.summary)]
    return row


def _flat_result(prepared: Prepared, row: Row, outcome: Outcome | None, record: dict[str, str]) -> dict[str, Any]:
    verdicts = dict.fromkeys(prepared.supports) if outcome is None else {s: v.value for s, v in zip(outcome.supports, outcome.verdict_of)}
    counts = {v.value: None if outcome is None else outcome.count(v) for v in _VERDICTS}
    return {
        "index": row.number,
        "name": row.name if outcome is None else outcome.enterprise,
        "uscc": row.uscc if outcome is None else outcome.uscc,
        **verdicts,
        **counts,
        "missing_fields": "" if outcome is None else ";".join(outcome.missing_fields),
        "errors": "; ".join(str(p) for p in row.problems),
        **record,
    }


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def support_columns(catalogue: Catalogue, day: date) -> list[tuple[str, Text]]:
    """The supports in force on ``day`` as (id, name), in the order reports list them."""
    return [(rid, catalogue.rules[rid].name) for rid in prepare(catalogue, day).supports]


# --- Runs ---------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """What a batch run counts as its rows go by: the rows, those that could not be read,
    and per support how many enterprises got each verdict. (The rows' results are written
    out as they come, not kept: a province's worth would not fit in memory.)"""

    as_of: date
    supports: list[tuple[str, Text]]
    record: Record | None = None
    """What decided every verdict of the run (versions, rules fingerprint, date)."""
    source: str = ""
    """The input file's name, as the summaries show it."""
    rows: int = 0
    invalid: list[int] = field(default_factory=list)
    """The numbers of the rows that could not be evaluated (their problems are in their
    result rows, and ``on_row`` sees them)."""
    counts: dict[str, dict[Verdict, int]] = field(default_factory=dict)
    """Support id -> verdict -> number of enterprises."""

    def __post_init__(self) -> None:
        for sid, _ in self.supports:
            self.counts.setdefault(sid, dict.fromkeys(_VERDICTS, 0))

    def add(self, row: Row, outcome: Outcome | None) -> None:
        """Count one row and its outcome (None: the row could not be read)."""
        self.rows += 1
        if outcome is None:
            self.invalid.append(row.number)
            return
        for sid, verdict in zip(outcome.supports, outcome.verdict_of):
            self.counts[sid][verdict] += 1


def iter_outcomes(
    rows: Iterable[Row] | Table,
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    processes: int | None = 1,
) -> Iterator[tuple[Row, Outcome | None]]:
    """Each row with its :class:`Outcome` (None for a row that could not be read, its
    problems in ``row.problems``), in input order. The rows are taken one at a time, and
    each row gives up its profile once evaluated. Given a :class:`~eligibility._tabular.Table`
    (:func:`~eligibility._tabular.open_table`), each row is parsed where it is evaluated: in
    the worker processes, which is what lets them share the work. The outcomes equal what
    :func:`evaluate_many` reports."""
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    return _outcomes(rows, day, cat, processes)


def _outcomes(rows: Iterable[Row] | Table, day: date, cat: Catalogue, processes: int | None) -> Iterator[tuple[Row, Outcome | None]]:
    if isinstance(rows, Table):  # parsed where evaluated
        yield from _evaluate_all(rows.raw, day, cat, "row", processes, parse=rows.parse, unit=rows.unit)
        return
    pending: deque[Row] = deque()  # the rows read and not handed out yet, in input order

    def profiles() -> Iterator[EnterpriseProfile]:
        # Over processes this runs in the pool's feeding thread: it only appends.
        for row in rows:
            pending.append(row)
            if row.profile is not None:
                yield row.profile

    # Results come in input order, each for the first row still holding its profile.
    for result in _evaluate_all(profiles(), day, cat, "outcome", processes):
        while pending[0].profile is None:  # unreadable rows before it
            yield pending.popleft(), None
        row = pending.popleft()
        row.profile = None
        if isinstance(result, ProfileError):  # not expected: the row was validated already
            row.problems = list(result.problems)
            yield row, None
        else:
            yield row, result
    while pending:
        yield pending.popleft(), None


def run_batch(
    rows: Iterable[Row] | Table,
    output: str | Path,
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    lang: Lang = "zh",
    processes: int | None = 1,
    on_row: Callable[[Row, Outcome | None], None] | None = None,
    source: str = "",
    replace: bool = True,
) -> BatchSummary:
    """Evaluate every row (as :func:`iter_outcomes`) and write each result to ``output``
    (CSV, XLSX or JSON Lines, by suffix; see :func:`output_paths`) as it comes, the
    summary at the end; memory stays flat however many rows there are. ``"-"`` writes
    the results to standard output as JSON Lines, without a summary file.

    The files are written beside their targets and renamed into place when the run
    completes: if it fails (a broken line deep in the input, a full disk), existing files
    are left as they were. ``on_row`` is called once per row, in input order. ``source``
    (the input file's name) is written with the run's record in the summary. Without
    ``replace`` an output file that exists when the run completes is not replaced
    (:class:`FileExistsError`; see :mod:`eligibility._safe_files`)."""
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    summary = BatchSummary(day, support_columns(cat, day), record_of(cat, day), source)
    to_stdout = str(output) == STDOUT
    fmt = "jsonl" if to_stdout else output_format(output) or ""
    with _stdout() if to_stdout else atomic_files(output_paths(output), replace=replace) as files, (
        scratch_dir(Path(output)) if fmt == "xlsx" else nullcontext(None)
    ) as scratch:
        writer = _WRITERS[fmt](list(files.values()), summary, lang, scratch)
        try:
            for row, outcome in _outcomes(rows, day, cat, processes):
                summary.add(row, outcome)
                writer.row(row, outcome)
                if on_row is not None:
                    on_row(row, outcome)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
    return summary


# --- Tables -------------------------------------------------------------------------


def result_header(supports: list[tuple[str, Text]], lang: Lang = "zh") -> list[str]:
    """The results table's header: row, name, USCC, one column per support, counts, missing, errors."""
    return [
        t("行号", "row", lang),
        t("企业名称", "name", lang),
        t("统一社会信用代码", "uscc", lang),
        *(name(lang) for _, name in supports),
        t("可以申报数", "eligible", lang),
        t("需补充信息数", "needs information", lang),
        t("暂不符合数", "not eligible", lang),
        t("需补充的信息", "missing information", lang),
        t("错误", "errors", lang),
    ]


def result_row(supports: list[tuple[str, Text]], row: Row, outcome: Outcome | None, lang: Lang = "zh") -> list[Any]:
    """One input row's cells (see :func:`result_header`)."""
    if outcome is None:
        errors = "; ".join(str(p) for p in row.problems)
        return [row.number, row.name or "", row.uscc or "", *([""] * len(supports)), "", "", "", "", errors]
    verdicts = outcome.verdicts
    sep = "、" if lang == "zh" else ", "
    return [
        row.number,
        outcome.enterprise,
        outcome.uscc or "",
        *(VERDICT_CELL[verdicts[sid]](lang) if sid in verdicts else "" for sid, _ in supports),
        *(outcome.count(verdict) for verdict in _VERDICTS),
        sep.join(field_label(f, lang) for f in outcome.missing_fields),
        "",
    ]


def summary_header(lang: Lang = "zh") -> list[str]:
    return [
        t("政策编号", "support id", lang),
        t("政策", "support", lang),
        t("可以申报", "eligible", lang),
        t("需补充信息", "needs information", lang),
        t("暂不符合", "not eligible", lang),
    ]


def summary_rows(summary: BatchSummary, lang: Lang = "zh") -> list[list[Any]]:
    """Per support: id, name and the number of enterprises with each verdict."""
    return [[sid, name(lang), *(summary.counts[sid][v] for v in _VERDICTS)] for sid, name in summary.supports]


def record_rows(summary: BatchSummary, lang: Lang = "zh") -> list[list[Any]]:
    """What decided the run and what it read, as (label, value) rows: package and catalogue
    versions, rules fingerprint, evaluation date, input file, rows and rows with errors."""
    out: list[list[Any]] = []
    if summary.record is not None:
        labels = {
            "package": ("程序", "package"),
            "package_version": ("程序版本", "package version"),
            "catalogue": ("政策规则目录", "rule catalogue"),
            "catalogue_version": ("规则目录版本", "catalogue version"),
            "rules_fingerprint": ("规则指纹", "rules fingerprint"),
            "as_of": ("评估日期", "as of"),
        }
        out += [[t(*labels[name], lang), value] for name, value in summary.record.fields() if name in labels]
    else:
        out.append([t("评估日期", "as of", lang), summary.as_of.isoformat()])
    out.append([t("输入文件", "input file", lang), summary.source])
    out.append([t("企业数（行）", "enterprises (rows)", lang), summary.rows])
    out.append([t("有错误的行", "rows with errors", lang), len(summary.invalid)])
    return out


def json_line(row: Row, outcome: Outcome | None) -> dict[str, Any]:
    """One enterprise's result as a JSON object (verdicts as codes)."""
    if outcome is None:
        return {"row": row.number, "name": row.name, "uscc": row.uscc, "errors": [str(p) for p in row.problems]}
    return {
        "row": row.number,
        "name": outcome.enterprise,
        "uscc": outcome.uscc,
        "verdicts": {sid: v.value for sid, v in zip(outcome.supports, outcome.verdict_of)},
        "counts": {v.value: outcome.count(v) for v in _VERDICTS},
        "missing_fields": list(outcome.missing_fields),
        "errors": [],
    }


# --- Files --------------------------------------------------------------------------


STDOUT = "-"
"""The output name that means standard output (JSON Lines)."""


@contextmanager
def _stdout() -> Iterator[dict[Path, BinaryIO]]:
    """Standard output as the run's one file (its results; the summary is the caller's)."""
    out = sys.stdout.buffer
    try:
        yield {Path(STDOUT): out}
    finally:
        out.flush()


def output_paths(path: str | Path) -> list[Path]:
    """The files :func:`run_batch` writes for ``path``: the results, and a summary file for CSV and JSON Lines."""
    p = Path(path)
    fmt = output_format(p)
    if fmt == "csv":
        return [p, p.with_suffix(".summary.csv")]
    if fmt == "jsonl":
        return [p, p.with_suffix(".summary.json")]
    if fmt == "xlsx":
        return [p]
    raise ValueError(f"unsupported output type: {p.suffix}")


class _Writer:
    """Writes a run's results into its open output files: a row at a time, then the summary."""

    def __init__(self, files: list[BinaryIO], summary: BatchSummary, lang: Lang, scratch: Path | None = None) -> None:
        self.files, self.summary, self.lang = files, summary, lang
        self.scratch = scratch
        """A folder of the run's own for temporary files beyond the output files (XLSX)."""

    def row(self, row: Row, outcome: Outcome | None) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Let go of what the writer holds beyond the output files (the run failed)."""


class _Utf8:
    """A text stream over a binary file, for :mod:`csv` (which writes str)."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh

    def write(self, text: str) -> int:
        return self.fh.write(text.encode("utf-8"))


class _SpreadsheetCsv:
    """A CSV writer whose text cells cannot start a formula (:func:`for_spreadsheet`): the
    file is opened by spreadsheet software, and a name such as ``=HYPERLINK(…)`` is data."""

    def __init__(self, fh: BinaryIO) -> None:
        self.writer = csv.writer(_Utf8(fh), lineterminator="\r\n")

    def writerow(self, values: Iterable[Any]) -> None:
        self.writer.writerow([for_spreadsheet(v) for v in values])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def _csv_writer(fh: BinaryIO) -> _SpreadsheetCsv:
    fh.write(codecs.BOM_UTF8)  # spreadsheet software then opens the file as UTF-8, Chinese intact
    return _SpreadsheetCsv(fh)


class _CsvWriter(_Writer):
    def __init__(self, files: list[BinaryIO], summary: BatchSummary, lang: Lang, scratch: Path | None = None) -> None:
        super().__init__(files, summary, lang, scratch)
        self.results = _csv_writer(files[0])
        self.results.writerow(result_header(summary.supports, lang))

    def row(self, row: Row, outcome: Outcome | None) -> None:
        self.results.writerow(result_row(self.summary.supports, row, outcome, self.lang))

    def finish(self) -> None:
        writer = _csv_writer(self.files[1])
        writer.writerow(summary_header(self.lang))
        writer.writerows(summary_rows(self.summary, self.lang))
        writer.writerow([])
        writer.writerows(record_rows(self.summary, self.lang))


class _JsonlWriter(_Writer):
    def row(self, row: Row, outcome: Outcome | None) -> None:
        self.files[0].write((json.dumps(json_line(row, outcome), ensure_ascii=False) + "\n").encode("utf-8"))

    def finish(self) -> None:
        if len(self.files) < 2:  # standard output: results only
            return
        s, lang = self.summary, self.lang
        data = {
            "as_of": s.as_of.isoformat(),
            "record": s.record.model_dump(mode="json") if s.record is not None else None,
            "input": {"file": s.source, "rows": s.rows},
            "enterprises": s.rows,
            "invalid_rows": s.invalid,
            "supports": [
                {"id": sid, "name": name(lang), **{v.value: s.counts[sid][v] for v in _VERDICTS}} for sid, name in s.supports
            ],
        }
        self.files[1].write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


class _XlsxWriter(_Writer):
    """Results on the first sheet, summary on the second. openpyxl's write-only mode keeps
    the rows in a temporary file of its own, not in memory.

    Made to be worked with: widths to fit the headers, wrapped; a filter on every column;
    the verdicts coloured (three conditional formats over the support columns, not a style
    per cell); a chart of the verdicts per support and the run's record on the summary."""

    def __init__(self, files: list[BinaryIO], summary: BatchSummary, lang: Lang, scratch: Path | None = None) -> None:
        from openpyxl import Workbook
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill
        from openpyxl.utils import get_column_letter

        super().__init__(files, summary, lang, scratch)
        self.book = Workbook(write_only=True)
        self.results = self.book.create_sheet(t("结果", "Results", lang))
        self.summary_sheet = self.book.create_sheet(t("汇总", "Summary", lang))
        self.summary_sheet.freeze_panes = "A2"
        self.results.freeze_panes = "D2"  # the header, and row, name and USCC beside every verdict
        header = result_header(summary.supports, lang)
        self.width = len(header)
        widths = [6, 30, 20, *([12] * len(summary.supports)), 8, 8, 8, 40, 40]
        # Wide enough for the cells, and for the header wrapped on three lines at most.
        widths = [min(max(width, display_width(head) // 3 + 2), 40) for head, width in zip(header, widths)]
        for i, width in enumerate(widths, start=1):
            self.results.column_dimensions[get_column_letter(i)].width = width
        lines = max(-(-display_width(head) // (width - 1)) for head, width in zip(header, widths))
        self.results.row_dimensions[1].height = 15 * lines + 3  # the wrapped header shows whole
        first, last = get_column_letter(4), get_column_letter(3 + len(summary.supports))
        area = f"{first}2:{last}{_MAX_ROWS}"
        for verdict, (fg, bg) in VERDICT_COLOURS.items():
            rule = CellIsRule(operator="equal", formula=[f'"{VERDICT_CELL[verdict](lang)}"'],
                              font=Font(color=fg), fill=PatternFill("solid", start_color=bg, end_color=bg))
            self.results.conditional_formatting.add(area, rule)
        self._stream(self.results)
        self.results.append(self._cells(self.results, header, bold=True))

    def _stream(self, ws: Any) -> None:
        """Have the write-only sheet ``ws`` collect its rows in a file in the run's folder.

        openpyxl makes that file with :mod:`tempfile` in the system's temporary folder
        and removes it when saving or when Python exits; after a ``kill -9`` it stays
        there for good. Its sheet writer takes the file to write to (``out``), so the
        sheet is given one in the run's folder, which the next run to the same output
        removes if this one was killed. Called once the sheet's settings (widths, frozen
        panes) are made, as openpyxl does before the first row, because the file starts
        with them. openpyxl removes the file after saving it into the workbook, from its
        own list of temporary files, where it is entered for that."""
        from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter

        if self.scratch is None:
            return
        fd, path = tempfile.mkstemp(dir=self.scratch, prefix="sheet-", suffix=".xml")
        os.close(fd)
        ALL_TEMP_FILES.append(path)
        ws._writer = WorksheetWriter(ws, out=path)
        ws._writer.write_top()

    @staticmethod
    def _cells(ws: Any, values: list[Any], bold: bool = False) -> list[Any]:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font

        cells: list[Any] = []
        for value in map(for_spreadsheet, values):
            if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                # A control character (in a name, or quoted in an error) cannot be stored as it
                # is: OOXML writes it as _xHHHH_, which spreadsheet software reads back.
                value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
            if bold or (isinstance(value, str) and value.startswith("=")):
                cell = WriteOnlyCell(ws, value)
                if bold:
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            else:
                cells.append(value)
        return cells

    def row(self, row: Row, outcome: Outcome | None) -> None:
        self.results.append(self._cells(self.results, result_row(self.summary.supports, row, outcome, self.lang)))

    def finish(self) -> None:
        from openpyxl.chart import BarChart, Reference
        from openpyxl.utils import get_column_letter

        s, lang, ws = self.summary, self.lang, self.summary_sheet
        self.results.auto_filter.ref = f"A1:{get_column_letter(self.width)}{s.rows + 1}"
        for letter, width in zip("ABCDE", (34, 40, 12, 12, 12)):
            ws.column_dimensions[letter].width = width
        self._stream(ws)
        ws.append(self._cells(ws, summary_header(lang), bold=True))
        for values in summary_rows(s, lang):
            ws.append(self._cells(ws, values))
        n = len(s.supports)
        ws.append([])
        for values in record_rows(s, lang):
            ws.append(self._cells(ws, values))
        if n:
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
            chart.title = t("各项政策的判定结果（企业数）", "Verdicts per support (enterprises)", lang)
            chart.add_data(Reference(ws, min_col=3, max_col=5, min_row=1, max_row=n + 1), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n + 1))
            for series, verdict in zip(chart.series, _VERDICTS):
                series.graphicalProperties.solidFill = VERDICT_COLOURS[verdict][0]
            chart.y_axis.title = t("企业数", "enterprises", lang)
            chart.x_axis.scaling.orientation = "maxMin"  # the supports top to bottom, as in the table
            chart.height, chart.width = max(8.0, 0.7 * n), 22.0
            ws.add_chart(chart, "G2")
        self._save()

    def _save(self) -> None:
        """``Workbook.save`` into the open output file, except that an interrupted save
        (Ctrl-C, SIGTERM, a full disk) leaves its zip archive unfinished rather than
        finishing it at garbage collection into a file already closed and removed."""
        from openpyxl.writer.excel import ExcelWriter

        archive = zipfile.ZipFile(self.files[0], "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.book.properties.modified = datetime.now(tz=timezone.utc).replace(tzinfo=None)
        try:
            ExcelWriter(self.book, archive).save()
        except BaseException:
            archive.fp = None  # nothing left to write: the temporary file is discarded
            raise

    def abort(self) -> None:
        # An unsaved write-only sheet holds an open stream into a temporary file of
        # openpyxl's own, which it would otherwise remove only when Python exits.
        # Interrupted while saving (SIGTERM), a sheet may be half closed and its temporary
        # file gone already: what is left is removed, and the interruption is what is raised.
        for ws in self.book.worksheets:
            try:
                if not ws.closed:
                    ws.close()
            except Exception:  # noqa: BLE001 - the sheet's stream was closed by the save
                pass
            if ws._writer is not None:
                try:
                    ws._writer.cleanup()
                except (OSError, ValueError):  # removed by the save already
                    pass


_WRITERS: dict[str, type[_Writer]] = {"csv": _CsvWriter, "jsonl": _JsonlWriter, "xlsx": _XlsxWriter}
