"""Many enterprises at once: evaluate, tabulate and write the results (``eligibility batch``).

:func:`evaluate_many` (reports, for programs) and :func:`run_batch` (each row's
:class:`Outcome`, for the command) share one runner, in this process or spread over
worker processes; each result is the same as :func:`~eligibility.evaluate` gives for
that enterprise alone, on the same date with the same catalogue.

Output files (:func:`write_results`), one row per enterprise:

* **CSV** (UTF-8 with BOM, which spreadsheet software opens as Chinese text), and the
  summary beside it in ``OUTPUT`` with the suffix ``.summary.csv``;
* **XLSX**, the summary on a second sheet;
* **JSON Lines**, verdicts as codes, and the summary in ``OUTPUT`` with ``.summary.json``.

Every file is written to a temporary file in the same directory and then renamed into
place, so an interrupted run leaves no half-written file.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import multiprocessing as mp
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Literal

from .catalogue import Catalogue
from .errors import ProfileError
from .evaluate import VERDICT, Compact, Prepared, assemble, evaluate, evaluate_compact, prepare
from .labels import field_label
from .render import t
from .loader import load_catalogue
from .profile import EnterpriseProfile
from .report import Report, Verdict
from .schema import Category
from .tabular import Row, table_format
from .text import Lang, Text, bi

VERDICT_CELL: dict[Verdict, Text] = {
    Verdict.eligible: bi("可以申报", "eligible"),
    Verdict.needs_information: bi("需补充信息", "needs information"),
    Verdict.not_eligible: bi("暂不符合", "not eligible"),
}
_VERDICTS = (Verdict.eligible, Verdict.needs_information, Verdict.not_eligible)


def evaluate_many(
    profiles: Iterable[EnterpriseProfile | dict[str, Any]],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    explain: bool = False,
    processes: int | None = 1,
    chunk_size: int = 256,
) -> Iterator[Report | ProfileError]:
    """Evaluate each profile; yields its report, or the :class:`ProfileError` of an invalid one.

    The catalogue is loaded once and every profile is evaluated on the same date (today
    when ``as_of`` is None, fixed when the run starts). Results come in input order and
    equal :func:`~eligibility.evaluate` with the same ``explain`` for each profile alone.
    ``processes`` > 1 (None: one per core) spreads the work over worker processes
    (where the platform can fork; elsewhere the work stays in this process).
    """
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    return _evaluate_all(profiles, day, cat, "explain" if explain else "report", processes, chunk_size)


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
    def of_compact(cls, prepared: Prepared, compact: Compact) -> Outcome:
        """The same as ``Outcome.of(assemble(prepared, *compact))``, without building the report."""
        enterprise, uscc, outcomes, missing = compact
        ids = prepared.supports
        fields = dict.fromkeys(f for rid in ids if rid not in outcomes for f in missing.get(rid, ()))
        return cls(enterprise, uscc, ids, tuple(VERDICT[outcomes.get(rid)] for rid in ids), tuple(fields))


Mode = Literal["explain", "report", "outcome"]
_job: tuple[date, Catalogue, Mode] | None = None


def _evaluate_all(
    profiles: Iterable[EnterpriseProfile | dict[str, Any]],
    day: date,
    cat: Catalogue,
    mode: Mode,
    processes: int | None,
    chunk_size: int = 256,
) -> Iterator[Any]:
    """Each profile's explained report, report or :class:`Outcome` (by ``mode``), or its
    :class:`ProfileError`, in input order, in this process or spread over processes."""
    global _job
    workers = os.cpu_count() or 1 if processes is None else processes
    prepared = prepare(cat, day)
    if workers <= 1 or "fork" not in mp.get_all_start_methods():
        for profile in profiles:
            yield _finish(prepared, mode, _evaluate_one(profile, prepared, mode))
        return
    _job = (day, cat, mode)  # inherited by the forked workers
    # The pool reads its input in a thread of its own, as fast as it can: without a limit
    # it would hold a whole province's profiles in its queue. At most `window` profiles
    # are out at a time; each result handed out lets one more in.
    window = threading.Semaphore(chunk_size * (2 * workers + 1))
    stop = threading.Event()

    def metered() -> Iterator[EnterpriseProfile | dict[str, Any]]:
        for profile in profiles:
            while not window.acquire(timeout=0.1):
                if stop.is_set():  # the caller stopped early; the pool is closing
                    return
            yield profile

    with mp.get_context("fork").Pool(workers) as pool:
        try:
            for chunk in pool.imap(_evaluate_chunk, _chunks(metered(), chunk_size)):
                for item in chunk:
                    window.release()
                    yield _finish(prepared, mode, item)
        finally:
            stop.set()


def _evaluate_one(profile: EnterpriseProfile | dict[str, Any], prepared: Prepared, mode: Mode) -> Any:
    """What a worker sends back for one profile: small enough to pickle (a full report
    pickles to ~100 KB, so reports without explanations travel compact)."""
    try:
        if mode == "explain":
            return evaluate(profile, as_of=prepared.view.day, catalogue=prepared.view.catalogue)
        compact = evaluate_compact(profile, prepared)
    except ProfileError as exc:
        return exc
    return Outcome.of_compact(prepared, compact) if mode == "outcome" else compact


def _finish(prepared: Prepared, mode: Mode, item: Any) -> Any:
    """The result to hand out, from what :func:`_evaluate_one` gave (in this process)."""
    if mode == "report" and not isinstance(item, ProfileError):
        return assemble(prepared, *item)
    return item


def _evaluate_chunk(chunk: list[EnterpriseProfile | dict[str, Any]]) -> list[Any]:
    assert _job is not None
    day, cat, mode = _job
    prepared = prepare(cat, day)
    return [_evaluate_one(p, prepared, mode) for p in chunk]


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
    order = {c: i for i, c in enumerate(Category)}
    view = catalogue.at(day)
    rules = [catalogue.rules[rid] for rid in view.rule_ids if catalogue.rules[rid].kind == "support"]
    return [(r.id, r.name) for r in sorted(rules, key=lambda r: (order[r.category], r.id))]


@dataclass
class BatchResult:
    """A batch run: every input row with its outcome (None for a row that could not be read)."""

    as_of: date
    supports: list[tuple[str, Text]]
    rows: list[Row]
    outcomes: list[Outcome | None]

    @property
    def invalid(self) -> list[Row]:
        """The rows that were not evaluated, with their problems."""
        return [r for r, out in zip(self.rows, self.outcomes) if out is None]

    def counts(self) -> dict[str, dict[Verdict, int]]:
        """Support id -> verdict -> number of enterprises."""
        out = {sid: {v: 0 for v in _VERDICTS} for sid, _ in self.supports}
        for outcome in self.outcomes:
            if outcome is not None:
                for sid, verdict in zip(outcome.supports, outcome.verdict_of):
                    out.setdefault(sid, {v: 0 for v in _VERDICTS})[verdict] += 1
        return out


def run_batch(
    rows: Iterable[Row],
    *,
    as_of: date | None = None,
    catalogue: Catalogue | str | Path | None = None,
    on_result: Callable[[Row, Outcome | None], None] | None = None,
    processes: int | None = 1,
) -> BatchResult:
    """Evaluate every readable row, taking the rows one at a time (pass
    :func:`~eligibility.tabular.iter_rows` to never hold the input parsed whole); each row
    gives up its profile once evaluated, so memory holds rows' outcomes, not their inputs.
    The outcomes equal what :func:`evaluate_many` reports. ``on_result`` is called once
    per row (from the pool's feeding thread for an unreadable row, when spread over processes)."""
    day = as_of or date.today()
    cat = catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)
    with _gc_paused():
        return _run(rows, day, cat, on_result, processes)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch runs: it keeps thousands of rows
    and outcomes, which hold no reference cycles (reference counting frees what is
    dropped), and the collector would otherwise walk them again and again (a third of
    the time of a 20,000-row batch when whole reports were kept)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(
    rows: Iterable[Row],
    day: date,
    cat: Catalogue,
    on_result: Callable[[Row, Outcome | None], None] | None,
    processes: int | None,
) -> BatchResult:
    kept: list[Row] = []
    outcomes: list[Outcome | None] = []
    waiting: deque[int] = deque()  # the rows whose profiles are out, in input order

    def profiles() -> Iterator[EnterpriseProfile]:
        # Over processes this runs in the pool's feeding thread: it only appends.
        for row in rows:
            kept.append(row)
            outcomes.append(None)
            if row.profile is None:
                if on_result is not None:
                    on_result(row, None)
                continue
            waiting.append(len(kept) - 1)
            yield row.profile

    for result in _evaluate_all(profiles(), day, cat, "outcome", processes):
        i = waiting.popleft()
        row = kept[i]
        if isinstance(result, ProfileError):  # not expected: the row was validated already
            row.problems = list(result.problems)
        else:
            outcomes[i] = result
        row.profile = None
        if on_result is not None:
            on_result(row, outcomes[i])
    return BatchResult(day, support_columns(cat, day), kept, outcomes)


# --- Tables -------------------------------------------------------------------------


def result_header(result: BatchResult, lang: Lang = "zh") -> list[str]:
    """The results table's header: row, name, USCC, one column per support, counts, missing, errors."""
    return [
        t("行号", "row", lang),
        t("企业名称", "name", lang),
        t("统一社会信用代码", "uscc", lang),
        *(name(lang) for _, name in result.supports),
        t("可以申报数", "eligible", lang),
        t("需补充信息数", "needs information", lang),
        t("暂不符合数", "not eligible", lang),
        t("需补充的信息", "missing information", lang),
        t("错误", "errors", lang),
    ]


def result_rows(result: BatchResult, lang: Lang = "zh") -> Iterator[list[Any]]:
    """One list of cells per input row, in input order (see :func:`result_header`)."""
    sep = "、" if lang == "zh" else ", "
    for row, outcome in zip(result.rows, result.outcomes):
        if outcome is None:
            errors = "; ".join(str(p) for p in row.problems)
            yield [row.number, row.name or "", row.uscc or "", *([""] * len(result.supports)), "", "", "", "", errors]
            continue
        verdicts = outcome.verdicts
        yield [
            row.number,
            outcome.enterprise,
            outcome.uscc or "",
            *(VERDICT_CELL[verdicts[sid]](lang) if sid in verdicts else "" for sid, _ in result.supports),
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


def summary_rows(result: BatchResult, lang: Lang = "zh") -> list[list[Any]]:
    """Per support: id, name and the number of enterprises with each verdict."""
    counts = result.counts()
    return [[sid, name(lang), *(counts[sid][v] for v in _VERDICTS)] for sid, name in result.supports]


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


def output_paths(path: str | Path) -> list[Path]:
    """The files :func:`write_results` writes for ``path``: the results, and a summary file for CSV and JSON Lines."""
    p = Path(path)
    fmt = table_format(p)
    if fmt == "csv":
        return [p, p.with_suffix(".summary.csv")]
    if fmt == "jsonl":
        return [p, p.with_suffix(".summary.json")]
    return [p]


Content = bytes | Callable[[BinaryIO], None]
"""A file's content: its bytes, or a function writing them to the open file (so that a
large result is written as it is produced, never held whole in memory)."""


def _csv_content(header: list[str], rows: Iterable[list[Any]]) -> Content:
    def write(fh: BinaryIO) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")  # the BOM, then UTF-8
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        text.flush()
        text.detach()

    return write


def _jsonl_content(lines: Iterable[dict[str, Any]]) -> Content:
    def write(fh: BinaryIO) -> None:
        for line in lines:
            fh.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))

    return write


def _xlsx_bytes(result: BatchResult, lang: Lang) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheets = [
        (wb.active, t("结果", "Results", lang), result_header(result, lang), list(result_rows(result, lang))),
        (wb.create_sheet(), t("汇总", "Summary", lang), summary_header(lang), summary_rows(result, lang)),
    ]
    for ws, title, header, rows in sheets:
        ws.title = title
        for r, values in enumerate([header, *rows], start=1):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                if r == 1:
                    cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    summary = sheets[1][0]
    n = summary.max_row + 2
    for label, value in (
        (t("评估日期", "as of", lang), result.as_of.isoformat()),
        (t("企业总数", "enterprises", lang), len(result.rows)),
        (t("有错误的行", "rows with errors", lang), len(result.invalid)),
    ):
        summary.cell(row=n, column=1, value=label)
        summary.cell(row=n, column=2, value=value)
        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _summary_json(result: BatchResult, lang: Lang) -> bytes:
    counts = result.counts()
    data = {
        "as_of": result.as_of.isoformat(),
        "enterprises": len(result.rows),
        "invalid_rows": [r.number for r in result.invalid],
        "supports": [
            {"id": sid, "name": name(lang), **{v.value: counts[sid][v] for v in _VERDICTS}} for sid, name in result.supports
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_outputs(path: str | Path, result: BatchResult, lang: Lang = "zh") -> dict[Path, Content]:
    """The content of each output file for ``path`` (format by suffix), without writing anything."""
    paths = output_paths(path)
    fmt = table_format(paths[0])
    if fmt == "csv":
        return {
            paths[0]: _csv_content(result_header(result, lang), result_rows(result, lang)),
            paths[1]: _csv_content(summary_header(lang), summary_rows(result, lang)),
        }
    if fmt == "xlsx":
        return {paths[0]: _xlsx_bytes(result, lang)}
    if fmt == "jsonl":
        lines = (json_line(r, out) for r, out in zip(result.rows, result.outcomes))
        return {paths[0]: _jsonl_content(lines), paths[1]: _summary_json(result, lang)}
    raise ValueError(f"unsupported output type: {paths[0].suffix}")


def write_atomically(files: Mapping[Path, Content]) -> None:
    """Write each file to a temporary file beside it, then rename all into place.

    A failure before the renames leaves every target untouched and no temporary file.
    """
    temps: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for target, content in files.items():
            fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
            temps.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                if isinstance(content, bytes):
                    fh.write(content)
                else:
                    content(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        for tmp, target in temps:
            os.replace(tmp, target)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def write_results(path: str | Path, result: BatchResult, lang: Lang = "zh") -> list[Path]:
    """Write the results (and summary) for ``path``, atomically; returns the files written."""
    files = render_outputs(path, result, lang)
    write_atomically(files)
    return list(files)
