"""``eligibility serve``: the checker as a stateless JSON service (FastAPI), with its
OpenAPI document at ``/openapi.json`` and a self-check page at ``/``.

Needs the ``serve`` extra (``pip install ".[serve]"``). Every response names the package
version, the catalogue version and the rules fingerprint in ``X-Eligibility-Version``,
``X-Catalogue-Version`` and ``X-Rules-Fingerprint``; a result also carries its record in
the body. Bad input is a 422 with the library's located problems, each with a stable
``code``; a body above the limit is a 413, never read to its end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote as url_quote

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool

from ._version import __version__
from ._batch import output_paths, run_batch
from ._catalogue import Catalogue
from .errors import EligibilityError, Problem, ProfileError
from ._evaluate import evaluate
from ._form_schema import form_json_schema
from ._input_limits import LimitError, load_json
from ._loader import load_catalogue
from .profile import EnterpriseProfile, profile_json_schema
from ._profile_io import parse_profile
from ._questions import questions_from
from ._record import Record, record_of
from .report import Report, SupportResult
from ._rule_text import rule_lines
from ._tabular import Row, open_table, table_format
from ._text import Lang, Text
from ._views import CompactReport, SummaryReport, ViewName, evaluate_view_json, explain_support_json

MAX_BODY = 1 * 2**20
"""A profile's JSON body (1 MiB; a full profile is about 3 KB)."""
MAX_UPLOAD = 8 * 2**20
"""A batch upload (8 MiB, as a profile or rules file)."""
MAX_ROWS = 5_000
"""Enterprises in one batch upload; more is a 413 (run ``eligibility batch`` instead)."""

HEADERS = {"version": "X-Eligibility-Version", "catalogue": "X-Catalogue-Version", "fingerprint": "X-Rules-Fingerprint"}
DATE_HEADER = "X-Evaluation-Date"
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}


AsOf = Annotated[date | None, Query(description="evaluation date YYYY-MM-DD (default: today)")]
LangQ = Annotated[Lang, Query(description="language of the summary and the texts: zh (default) or en")]


# --- what the service sends besides reports ----------------------------------------------


class ProblemOut(BaseModel):
    """One thing wrong with the input, where it is, and its kind."""

    code: str = Field(description="the kind of problem, stable across versions (e.g. greater_than_equal, st_staff_within_staff)")
    location: str = Field(description="the field path (financials[2025].rd_expense), query.<name>, body, or row N: field")
    message: str = Field(description="what is wrong, in Chinese with the English in brackets")


class ErrorOut(BaseModel):
    """The answer to input the service cannot take (422, 404, 413)."""

    error: str = Field(description="a one-line summary, Chinese and English")
    problems: list[ProblemOut] = Field(default_factory=list)


class Choice(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    """An unknown field that decides open supports, and how to ask it."""

    path: str = Field(description="the profile field's path; financials[2025].rd_expense for a year's figure")
    label: str
    description: str | None = None
    type: Literal["bool", "int", "decimal", "date", "enum", "enum_list", "str"]
    unit: str | None = None
    choices: list[Choice] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    decides: list[str] = Field(description="ids of the supports whose verdict it helps decide")


class QuestionsOut(BaseModel):
    record: Record
    questions: list[QuestionOut] = Field(description="most decisive first")


class RuleSummary(BaseModel):
    id: str
    kind: Literal["support", "derived"]
    category: str
    name: Text
    department: Text | None = None
    summary: Text | None = None


class CatalogueOut(BaseModel):
    record: Record
    rules: list[RuleSummary]


class RuleOut(BaseModel):
    record: Record
    rule: dict[str, Any] = Field(description="the rule as its YAML file holds it")
    text: list[str] = Field(description="the rule in words, in the language asked for, with the values in force")


class _Refused(Exception):
    """A request the service answers with ``status`` and an :class:`ErrorOut`."""

    def __init__(self, status: int, error: str, problems: list[ProblemOut] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.problems = status, error, problems or []


def _problems(problems: list[Problem], default_code: str) -> list[ProblemOut]:
    return [ProblemOut(code=p.code or default_code, location=p.location, message=p.message) for p in problems]


def _refused_profile(exc: EligibilityError, default_code: str = "invalid_profile") -> _Refused:
    problems = _problems(exc.problems, default_code) or [ProblemOut(code=default_code, location="body", message=exc.summary)]
    return _Refused(422, exc.summary, problems)


# --- body limits ------------------------------------------------------------------------------


class BodyLimit:
    """Refuses a request body above its path's limit with a 413, by its declared length
    or, when streamed without one, as soon as the bytes received pass it."""

    def __init__(self, app: Any, max_body: int, max_upload: int, headers: dict[str, str]) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload
        self.headers = [(k.encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]], send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if scope["path"] == "/batch" else self.max_body
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, self.headers)
            return
        seen = 0
        over = False

        async def counted() -> dict[str, Any]:
            # Past the limit the body is cut short (the app sees its end) and the app's
            # answer is replaced by the 413: nothing more is read or kept.
            nonlocal seen, over
            if over:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def answer(message: dict[str, Any]) -> None:
            if not over:
                await send(message)
            elif message["type"] == "http.response.start":
                await _too_large(send, limit, self.headers)

        await self.app(scope, counted, answer)


def _too_large_text(limit: int) -> tuple[str, list[ProblemOut]]:
    return (
        f"请求体超过 {limit} 字节 (the request body is larger than {limit} bytes)",
        [ProblemOut(code="body_too_large", location="body", message=f"最多 {limit} 字节 (at most {limit} bytes)")],
    )


async def _too_large(send: Any, limit: int, headers: list[tuple[bytes, bytes]]) -> None:
    error, problems = _too_large_text(limit)
    body = ErrorOut(error=error, problems=problems).model_dump_json().encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close"), *headers]
    await send({"type": "http.response.start", "status": 413, "headers": head})
    await send({"type": "http.response.body", "body": body})


# --- the application --------------------------------------------------------------------------


def create_app(
    rules: str | Path | None = None,
    *,
    cors: list[str] | None = None,
    max_body: int = MAX_BODY,
    max_upload: int = MAX_UPLOAD,
    max_rows: int = MAX_ROWS,
) -> FastAPI:
    """The service for the catalogue in ``rules`` (the bundled one by default);
    :class:`RuleError` if it is invalid. ``cors``: origins allowed to call it from a page."""
    catalogue = load_catalogue(rules)
    app = FastAPI(
        title="竹山经济开发区政策匹配 · Zhushan zone policy eligibility checker",
        version=__version__,
        description=(
            "Evaluate an enterprise profile against the policy catalogue (竹政办发〔2022〕26号). "
            "Every response names the package version, catalogue version and rules fingerprint in its headers; "
            "a result carries the same in its `record`."
        ),
    )
    static = {
        HEADERS["version"]: __version__,
        HEADERS["catalogue"]: catalogue.info.version,
        HEADERS["fingerprint"]: catalogue.fingerprint,
    }

    @app.middleware("http")
    async def version_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(static)
        return response

    @app.exception_handler(_Refused)
    async def refused(request: Request, exc: _Refused) -> JSONResponse:
        return JSONResponse(ErrorOut(error=exc.error, problems=exc.problems).model_dump(), status_code=exc.status, headers=static)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            ProblemOut(code=e["type"], location=".".join(str(p) for p in e["loc"]), message=e["msg"]) for e in exc.errors()
        ]
        error = f"请求有 {len(problems)} 处错误 (the request has {len(problems)} error(s))"
        return JSONResponse(ErrorOut(error=error, problems=problems).model_dump(), status_code=422, headers=static)

    errors: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorOut, "description": "the input is invalid: each problem located, with its code"},
        413: {"model": ErrorOut, "description": "the body is above the size limit"},
    }

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(_page())

    @app.get("/version", response_model=Record, summary="What decides every result: versions, fingerprint, today's date")
    def version() -> Record:
        return record_of(catalogue, date.today())

    @app.post(
        "/evaluate",
        summary="Check one enterprise profile",
        responses={200: {"content": {"application/json": {"schema": _one_of("SummaryReport", "CompactReport", "Report")}}}, **errors},
        openapi_extra=_json_body("EnterpriseProfile", "the enterprise profile (see /schema/form)"),
    )
    async def evaluate_profile(
        request: Request,
        view: Annotated[ViewName, Query(description="summary (a result page, one language), report (nothing repeated) or full")] = "summary",
        lang: LangQ = "zh",
        as_of: AsOf = None,
    ) -> Response:
        profile = _profile(await request.body())
        day = as_of or date.today()
        text = await run_in_threadpool(lambda: _view_json(profile, day, catalogue, view, lang))
        return Response(text, media_type="application/json", headers={DATE_HEADER: day.isoformat()})

    @app.post(
        "/evaluate/{rule_id}",
        summary="One support's result with its explanation, as in the full report (only that rule and the rules it names are evaluated)",
        responses={
            200: {"model": SupportResult},
            404: {"model": ErrorOut, "description": "no rule with this id, or none in force on the date"},
            **errors,
        },
        openapi_extra=_json_body("EnterpriseProfile", "the enterprise profile (see /schema/form)"),
    )
    async def evaluate_one(request: Request, rule_id: str, as_of: AsOf = None) -> Response:
        if rule_id not in catalogue.rules:
            raise _unknown_rule(rule_id)
        profile = _profile(await request.body())
        day = as_of or date.today()
        text = await run_in_threadpool(lambda: _support_json(profile, rule_id, day, catalogue))
        return Response(text, media_type="application/json", headers={DATE_HEADER: day.isoformat()})

    @app.post(
        "/questions",
        response_model=QuestionsOut,
        summary="The next questions for a partial profile: unknown fields that decide open supports",
        responses=errors,
        openapi_extra=_json_body("EnterpriseProfile", "a partial profile (only the name is required)"),
    )
    async def questions(
        request: Request,
        lang: LangQ = "zh",
        as_of: AsOf = None,
        limit: Annotated[int, Query(ge=1, le=200, description="at most this many")] = 5,
    ) -> Response:
        profile = _profile(await request.body())
        day = as_of or date.today()
        report = await run_in_threadpool(_evaluate, profile, day, catalogue)
        out = QuestionsOut(record=report.record, questions=[_question(q, lang) for q in questions_from(report)[:limit]])
        return Response(out.model_dump_json(), media_type="application/json", headers={DATE_HEADER: day.isoformat()})

    @app.get("/schema/form", summary="The profile's JSON Schema for form generators (labelled choices, x-unit, no null)")
    def schema_form() -> dict[str, Any]:
        return form_json_schema()

    @app.get("/schema/profile", summary="The profile's strict JSON Schema (as `eligibility schema`)")
    def schema_profile() -> dict[str, Any]:
        return profile_json_schema()

    @app.get("/rules", response_model=CatalogueOut, summary="The catalogue: every rule in force on the date")
    def rules_list(as_of: AsOf = None) -> CatalogueOut:
        day = as_of or date.today()
        view = catalogue.at(day)
        items = [catalogue.rules[r] for r in view.rule_ids]
        return CatalogueOut(
            record=record_of(catalogue, day),
            rules=[
                RuleSummary(id=r.id, kind=r.kind, category=r.category.value, name=r.name, department=r.department, summary=r.summary)
                for r in sorted(items, key=lambda r: (r.kind != "support", r.category, r.id))
            ],
        )

    @app.get(
        "/rules/{rule_id}",
        response_model=RuleOut,
        summary="One rule: its data and its text with the values in force on the date",
        responses={404: {"model": ErrorOut, "description": "no rule with this id"}, 422: errors[422]},
    )
    def rule_show(rule_id: str, lang: LangQ = "zh", as_of: AsOf = None) -> RuleOut:
        rule = catalogue.rules.get(rule_id)
        if rule is None:
            raise _unknown_rule(rule_id)
        day = as_of or date.today()
        return RuleOut(
            record=record_of(catalogue, day),
            rule=rule.model_dump(mode="json", by_alias=True, exclude_none=True),
            text=list(rule_lines(catalogue, rule, lang, day)),
        )

    @app.post(
        "/batch",
        summary="Check a spreadsheet of enterprises (CSV, XLSX or JSON Lines in and out, as `eligibility batch`)",
        responses={
            200: {"content": {m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()}},
            **errors,
        },
    )
    def batch(
        file: Annotated[UploadFile, File(description="the enterprises: .csv, .xlsx or .jsonl (and what `eligibility batch` reads)")],
        output: Annotated[Literal["csv", "xlsx", "jsonl"], Query(description="the results' file type")] = "xlsx",
        part: Annotated[
            Literal["results", "summary"], Query(description="for csv and jsonl: the results, or the summary file beside them")
        ] = "results",
        lang: LangQ = "zh",
        as_of: AsOf = None,
    ) -> Response:
        name = Path(file.filename or "upload").name
        if table_format(name) is None:
            raise _Refused(422, "不支持的文件类型 (unsupported file type)", [ProblemOut(code="unsupported_file_type", location="file", message=f"{name[:80]}: .csv, .xlsx, .jsonl …")])
        if part == "summary" and output == "xlsx":
            raise _Refused(422, "XLSX 的汇总在第二个工作表 (an XLSX has its summary on its second sheet)", [ProblemOut(code="no_summary_file", location="query.part", message="use part=results")])
        day = as_of or date.today()
        with tempfile.TemporaryDirectory(prefix="eligibility-") as tmp:
            source = Path(tmp) / f"input{Path(name).suffix.lower()}"
            with source.open("wb") as f:
                while chunk := file.file.read(1 << 16):
                    f.write(chunk)
            target = Path(tmp) / f"results.{output}"
            try:
                rows = _at_most(open_table(source), max_rows)
                run_batch(rows, target, as_of=day, catalogue=catalogue, lang=lang, processes=1, source=name)
            except EligibilityError as exc:
                raise _refused_profile(exc, "invalid_file") from None
            produced = output_paths(target)
            content = (produced[1] if part == "summary" else produced[0]).read_bytes()
        media = "application/json" if part == "summary" and output == "jsonl" else MEDIA[output]
        stem = Path(name).stem
        suffix = ".summary.json" if media == "application/json" else ".summary.csv" if part == "summary" else f".results.{output}"
        return Response(
            content,
            media_type=media,
            headers={DATE_HEADER: day.isoformat(), "Content-Disposition": _attachment(f"{stem}{suffix}")},
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _, defs = models_json_schema(
                [(m, "serialization") for m in (SummaryReport, CompactReport, Report)] + [(EnterpriseProfile, "validation")],
                ref_template="#/components/schemas/{model}",
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for key, value in defs["$defs"].items():
                schemas.setdefault(key, value)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    if cors:
        app.add_middleware(
            CORSMiddleware, allow_origins=cors, allow_methods=["GET", "POST"], allow_headers=["*"],
            expose_headers=[*HEADERS.values(), DATE_HEADER],
        )
    app.add_middleware(BodyLimit, max_body=max_body, max_upload=max_upload, headers=static)
    return app


def _at_most(rows: Iterator[Row] | Any, limit: int) -> Iterator[Row]:
    for n, row in enumerate(rows, 1):
        if n > limit:
            raise _Refused(
                413,
                f"超过 {limit} 家企业 (more than {limit} enterprises); 请用 eligibility batch 命令 (use the eligibility batch command)",
                [ProblemOut(code="too_many_rows", location="file", message=f"at most {limit} rows")],
            )
        yield row


def _profile(body: bytes) -> EnterpriseProfile:
    try:
        data = load_json(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _Refused(422, "请求体不是 UTF-8 (the body is not UTF-8)", [ProblemOut(code="invalid_json", location="body", message="not UTF-8")]) from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        line = getattr(exc, "lineno", None)
        where = f"line {line} column {getattr(exc, 'colno', '?')}: " if line else ""
        raise _Refused(422, "JSON 格式错误 (invalid JSON)", [ProblemOut(code="invalid_json", location="body", message=f"{where}{getattr(exc, 'msg', exc)}")]) from None
    except LimitError as exc:
        raise _Refused(422, "超出限制 (beyond a limit)", [ProblemOut(code="beyond_limit", location="body", message=str(exc))]) from None
    if not isinstance(data, dict):
        raise _Refused(422, "企业画像应为 JSON 对象 (a profile must be a JSON object)", [ProblemOut(code="not_an_object", location="body", message=f"got {type(data).__name__}")])
    try:
        return parse_profile(data)
    except ProfileError as exc:
        raise _refused_profile(exc) from None


def _evaluate(profile: EnterpriseProfile, day: date, catalogue: Catalogue) -> Report:
    """The report without explanations (the verdicts and missing fields of the full one)."""
    try:
        return evaluate(profile, as_of=day, catalogue=catalogue, explain=False)
    except ProfileError as exc:  # an evaluation date out of range, a value beyond the engine's
        raise _refused_profile(exc) from None


def _view_json(profile: EnterpriseProfile, day: date, catalogue: Catalogue, view: ViewName, lang: Lang) -> str:
    try:
        return evaluate_view_json(profile, view, lang, as_of=day, catalogue=catalogue)
    except ProfileError as exc:  # an evaluation date out of range, a value beyond the engine's
        raise _refused_profile(exc) from None


def _unknown_rule(rule_id: str) -> _Refused:
    return _Refused(
        404,
        f"没有编号为 {rule_id[:80]} 的规则 (no rule with this id)",
        [ProblemOut(code="unknown_rule", location="path.rule_id", message="see /rules for the ids")],
    )


def _support_json(profile: EnterpriseProfile, rule_id: str, day: date, catalogue: Catalogue) -> str:
    try:
        return explain_support_json(profile, rule_id, as_of=day, catalogue=catalogue)
    except KeyError:  # the rule exists but is not in force on ``day``
        raise _Refused(
            404,
            f"规则 {rule_id[:80]} 在 {day.isoformat()} 不适用 (the rule is not in force on the date)",
            [ProblemOut(code="not_in_force", location="query.as_of", message=f"{rule_id[:80]} is not in force on {day.isoformat()}")],
        ) from None
    except ProfileError as exc:  # an evaluation date out of range, a value beyond the engine's
        raise _refused_profile(exc) from None


def _question(q: Any, lang: Lang) -> QuestionOut:
    spec = q.field
    return QuestionOut(
        path=spec.path,
        label=spec.label(lang),
        description=spec.description if lang == "zh" else None,
        type=spec.type,
        unit=spec.unit,
        choices=[Choice(value=v, label=label(lang)) for v, label in zip(spec.choices, spec.choice_labels)],
        minimum=float(spec.minimum) if spec.minimum is not None else None,
        maximum=float(spec.maximum) if spec.maximum is not None else None,
        decides=list(q.decides),
    )


def _one_of(*models: str) -> dict[str, Any]:
    return {"oneOf": [{"$ref": f"#/components/schemas/{m}"} for m in models]}


def _json_body(model: str, description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
        }
    }


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"results{Path(filename).suffix}\"; filename*=UTF-8''{url_quote(filename)}"


def _page() -> str:
    return (resources.files("eligibility") / "web" / "index.html").read_text(encoding="utf-8")


def app_from_environment() -> FastAPI:
    """The app as ``eligibility serve --workers N`` starts it in each worker process,
    configured by the ``ELIGIBILITY_*`` variables the command sets."""
    env = os.environ
    return create_app(
        env.get("ELIGIBILITY_RULES") or None,
        cors=[o for o in env.get("ELIGIBILITY_CORS", "").split(",") if o],
        max_body=int(env.get("ELIGIBILITY_MAX_BODY", MAX_BODY)),
        max_upload=int(env.get("ELIGIBILITY_MAX_UPLOAD", MAX_UPLOAD)),
        max_rows=int(env.get("ELIGIBILITY_MAX_ROWS", MAX_ROWS)),
    )


__all__ = ["MAX_BODY", "MAX_ROWS", "MAX_UPLOAD", "create_app", "app_from_environment"]
