"""``eligibility serve``: a real uvicorn server on a free local port, driven over HTTP."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx
import pytest
from openapi_spec_validator import validate
from openpyxl import load_workbook

import eligibility
from eligibility import evaluate, explain_support, form_json_schema, load_catalogue, load_profile, profile_json_schema, record_of, view_json
from eligibility._batch import output_paths, run_batch
from eligibility._questions import questions_from
from eligibility._rule_text import rule_lines
from eligibility._tabular import open_table

from conftest import AS_OF, EXAMPLES
from service_process import ROOT, Server

EXAMPLE = json.loads((EXAMPLES / "battery_materials.json").read_text(encoding="utf-8"))
DAY = AS_OF.isoformat()


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def small_server():
    """Small limits and a CORS origin, to reach them cheaply."""
    s = Server("--max-body", "2000", "--max-upload", "3000", "--max-rows", "2", "--cors", "https://portal.example")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def _record_headers(response: httpx.Response) -> tuple[str, str, str]:
    h = response.headers
    return h["X-Eligibility-Version"], h["X-Catalogue-Version"], h["X-Rules-Fingerprint"]


EXPECTED_HEADERS = (eligibility.__version__, load_catalogue().info.version, load_catalogue().fingerprint)


def test_version_gives_the_record_and_headers(client):
    """/version is the record of today's evaluations; the headers say the same."""
    response = client.get("/version")
    assert response.status_code == 200
    assert response.json() == json.loads(record_of(load_catalogue(), date.today()).model_dump_json())
    assert _record_headers(response) == EXPECTED_HEADERS


@pytest.mark.parametrize("view", ["summary", "report", "full"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evaluate_gives_the_librarys_view(client, view, lang):
    """Each view in each language equals the library's, with the evaluation date in a header."""
    response = client.post("/evaluate", params={"view": view, "lang": lang, "as_of": DAY}, json=EXAMPLE)
    assert response.status_code == 200, response.text
    expected = view_json(evaluate(EXAMPLE, as_of=AS_OF), view, lang)
    assert response.json() == json.loads(expected)
    assert response.headers["X-Evaluation-Date"] == DAY
    assert _record_headers(response) == EXPECTED_HEADERS


def test_an_invalid_profile_is_a_422_naming_each_field_with_its_code(client):
    """S&T staff above staff and a negative figure: two located problems, stable codes."""
    bad = {**EXAMPLE, "staff_total": 10, "st_staff": 11, "financials": [{"year": 2024, "rd_expense": -5}]}
    response = client.post("/evaluate", json=bad)
    assert response.status_code == 422
    problems = {p["location"]: p for p in response.json()["problems"]}
    assert problems["st_staff"]["code"] == "st_staff_within_staff"
    assert problems["financials[2024].rd_expense"]["code"] == "greater_than_equal"
    assert "科技人员数" in problems["st_staff"]["message"] and "exceeds" in problems["st_staff"]["message"]
    assert _record_headers(response) == EXPECTED_HEADERS


@pytest.mark.parametrize(
    ("body", "code"),
    [(b"{not json", "invalid_json"), (b"[1, 2]", "not_an_object"), (b"\xff\xfe", "invalid_json"), (b'{"name": "x", "turnover": 5}', "extra_forbidden")],
    ids=["broken JSON", "a list", "not UTF-8", "unknown field"],
)
def test_a_body_that_is_no_profile_is_a_422_with_its_code(client, body, code):
    """Broken JSON, a list, bytes that are not text, an unknown field: 422, never a 500."""
    response = client.post("/evaluate", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert code in {p["code"] for p in response.json()["problems"]}


def test_bad_query_parameters_are_a_422_naming_the_parameter(client):
    """An unknown view and a date that is no date are located in the query."""
    response = client.post("/evaluate", params={"view": "short", "as_of": "2026-13-01"}, json=EXAMPLE)
    assert response.status_code == 422
    assert {p["location"] for p in response.json()["problems"]} == {"query.view", "query.as_of"}


def test_a_body_above_the_limit_is_a_413(small_server):
    """A declared length above the limit is refused before the body is read."""
    response = httpx.post(small_server.url + "/evaluate", content=b"{" + b" " * 5000 + b"}", headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["problems"][0]["code"] == "body_too_large"
    assert _record_headers(response) == EXPECTED_HEADERS


def test_a_streamed_body_above_the_limit_is_a_413(small_server):
    """A body sent in chunks without a length is refused once it passes the limit."""

    def chunks():
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    response = httpx.post(small_server.url + "/evaluate", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["problems"][0]["code"] == "body_too_large"


@pytest.mark.parametrize("rule_id", ["tech_innovation_board_listing", "hnte_recognition", "exchange_listing"])
def test_one_support_on_demand_is_its_result_in_the_librarys_full_report(client, rule_id):
    """/evaluate/{id} gives one support's result with its explanation: the library's
    explain_support, which is that support's result in the full report."""
    response = client.post(f"/evaluate/{rule_id}", params={"as_of": DAY}, json=EXAMPLE)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(explain_support(EXAMPLE, rule_id, as_of=AS_OF).model_dump_json())
    full = {r.id: r for r in evaluate(EXAMPLE, as_of=AS_OF).supports}
    assert response.json() == json.loads(full[rule_id].model_dump_json())
    assert response.headers["X-Evaluation-Date"] == DAY
    assert _record_headers(response) == EXPECTED_HEADERS


def test_one_support_on_demand_for_an_unknown_rule_is_a_404(client):
    """An id that is no rule: 404, code unknown_rule, before the body is read."""
    response = client.post("/evaluate/no_such_rule", params={"as_of": DAY}, json=EXAMPLE)
    assert response.status_code == 404
    assert response.json()["problems"][0]["code"] == "unknown_rule"


def test_one_support_on_demand_before_the_rule_is_in_force_is_a_404(client):
    """tech_innovation_board_listing is in force from 2022-01-01: asked on the day before, 404
    not_in_force; on that day, its result."""
    before = client.post("/evaluate/tech_innovation_board_listing", params={"as_of": "2021-12-31"}, json=EXAMPLE)
    assert before.status_code == 404
    assert before.json()["problems"][0]["code"] == "not_in_force"
    assert client.post("/evaluate/tech_innovation_board_listing", params={"as_of": "2022-01-01"}, json=EXAMPLE).status_code == 200


def test_one_support_on_demand_with_an_invalid_profile_is_a_422(client):
    """The profile is checked as for /evaluate: a bad field is a 422 naming it."""
    response = client.post("/evaluate/hnte_recognition", params={"as_of": DAY}, json={**EXAMPLE, "staff_total": -1})
    assert response.status_code == 422
    assert any("staff_total" in p["location"] for p in response.json()["problems"])


def test_questions_are_the_librarys_next_questions(client):
    """/questions on a partial profile lists the library's questions, most decisive first."""
    partial = {"name": "甲", "staff_total": 50}
    response = client.post("/questions", params={"as_of": DAY, "limit": 4, "lang": "en"}, json=partial)
    assert response.status_code == 200
    expected = questions_from(evaluate(partial, as_of=AS_OF))[:4]
    got = response.json()["questions"]
    assert [(q["path"], q["decides"]) for q in got] == [(q.field.path, list(q.decides)) for q in expected]
    assert got[0]["label"] == expected[0].field.label.en
    assert response.json()["record"]["as_of"] == DAY


def test_the_schemas_are_the_librarys(client):
    """/schema/form and /schema/profile give the library's two schemas."""
    form = client.get("/schema/form").json()
    assert form == json.loads(json.dumps(form_json_schema()))
    assert client.get("/schema/profile").json() == json.loads(json.dumps(profile_json_schema()))


def test_rules_lists_the_catalogue_in_force(client):
    """/rules names every rule in force on the date, with the record."""
    body = client.get("/rules", params={"as_of": DAY}).json()
    catalogue = load_catalogue()
    assert sorted(r["id"] for r in body["rules"]) == sorted(catalogue.at(AS_OF).rule_ids)
    assert body["record"]["rules_fingerprint"] == catalogue.fingerprint


def test_one_rule_gives_its_data_and_its_text(client):
    """/rules/{id} gives the rule's data and the words `rules show` prints."""
    catalogue = load_catalogue()
    body = client.get("/rules/tech_innovation_board_listing", params={"as_of": DAY, "lang": "en"}).json()
    assert body["rule"]["id"] == "tech_innovation_board_listing"
    assert body["text"] == list(rule_lines(catalogue, catalogue.rules["tech_innovation_board_listing"], "en", AS_OF))


def test_an_unknown_rule_is_a_404_with_its_code(client):
    """An id that is no rule: 404, code unknown_rule."""
    response = client.get("/rules/no_such_rule")
    assert response.status_code == 404
    assert response.json()["problems"][0]["code"] == "unknown_rule"


def _local_batch(tmp_path, name: str, output: str) -> list:
    target = tmp_path / f"local.{output}"
    run_batch(open_table(EXAMPLES / name), target, as_of=AS_OF, processes=1, source=name)
    return output_paths(target)


def test_batch_gives_the_batch_commands_csv(client, tmp_path):
    """A CSV upload gives the same results and summary files as run_batch."""
    source = EXAMPLES / "batch_enterprises.csv"
    results, summary = _local_batch(tmp_path, source.name, "csv")
    for part, expected in (("results", results), ("summary", summary)):
        with source.open("rb") as f:
            response = client.post("/batch", params={"output": "csv", "part": part, "as_of": DAY}, files={"file": (source.name, f, "text/csv")})
        assert response.status_code == 200, response.text
        assert response.content == expected.read_bytes()


def test_batch_gives_an_xlsx_with_its_summary_sheet(client):
    """An XLSX answer opens, one row per enterprise and a summary sheet."""
    source = EXAMPLES / "batch_enterprises.csv"
    with source.open("rb") as f:
        response = client.post("/batch", params={"output": "xlsx", "as_of": DAY}, files={"file": (source.name, f, "text/csv")})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) >= 2
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) - 1 == sum(1 for line in source.read_text(encoding="utf-8").splitlines()[1:] if line.strip())


def test_batch_gives_json_lines(client, tmp_path):
    """A JSON Lines answer equals run_batch's."""
    lines = "\n".join(json.dumps({**EXAMPLE, "name": f"企业{i}"}, ensure_ascii=False) for i in range(3)) + "\n"
    (tmp_path / "in.jsonl").write_text(lines, encoding="utf-8")
    response = client.post("/batch", params={"output": "jsonl", "as_of": DAY}, files={"file": ("in.jsonl", lines.encode(), "application/x-ndjson")})
    assert response.status_code == 200
    target = tmp_path / "local.jsonl"
    run_batch(open_table(tmp_path / "in.jsonl"), target, as_of=AS_OF, processes=1, source="in.jsonl")
    assert response.content == target.read_bytes()


def test_batch_refuses_an_unsupported_file_type(client):
    """A .pdf upload: 422, code unsupported_file_type."""
    response = client.post("/batch", files={"file": ("list.pdf", b"%PDF-1.4", "application/pdf")})
    assert response.status_code == 422
    assert response.json()["problems"][0]["code"] == "unsupported_file_type"


def test_batch_refuses_a_file_with_an_unknown_column(client):
    """The header's problem is a 422 naming the column."""
    response = client.post("/batch", files={"file": ("x.csv", "企业名称,营业额度\n甲,5\n".encode(), "text/csv")})
    assert response.status_code == 422
    assert "营业额度" in response.text


def test_batch_above_the_row_limit_is_a_413(small_server):
    """Three enterprises where two are allowed: 413, code too_many_rows."""
    body = "企业名称\n甲\n乙\n丙\n".encode()
    response = httpx.post(small_server.url + "/batch", params={"output": "csv"}, files={"file": ("x.csv", body, "text/csv")}, timeout=60)
    assert response.status_code == 413
    assert response.json()["problems"][0]["code"] == "too_many_rows"


def test_batch_upload_above_the_limit_is_a_413(small_server):
    """An upload above --max-upload is refused."""
    body = ("企业名称\n" + "甲\n" * 3000).encode()
    response = httpx.post(small_server.url + "/batch", files={"file": ("x.csv", body, "text/csv")}, timeout=60)
    assert response.status_code == 413


def test_cors_allows_the_configured_origin_only(small_server):
    """A preflight from the configured origin is allowed; another origin gets no grant."""
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = httpx.options(small_server.url + "/evaluate", headers={"Origin": "https://portal.example", **ask})
    assert ok.headers.get("access-control-allow-origin") == "https://portal.example"
    other = httpx.options(small_server.url + "/evaluate", headers={"Origin": "https://elsewhere.example", **ask})
    assert "access-control-allow-origin" not in other.headers


def test_eight_clients_of_200_requests_get_the_librarys_results(server):
    """8 clients x 200 requests on varied profiles: every answer is the library's, no error."""
    profiles = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    variants = [{**p, "name": f"{p['name']}{i}", "staff_total": 20 + 7 * i} for i, p in enumerate(profiles * 2)]
    variants = [{k: v for k, v in p.items() if k != "st_staff"} for p in variants]
    expected = [json.loads(view_json(evaluate(p, as_of=AS_OF), "summary")) for p in variants]

    def client_run(n: int) -> list[bool]:
        out = []
        with httpx.Client(base_url=server.url, timeout=120) as c:
            for i in range(200):
                k = (n * 200 + i) % len(variants)
                r = c.post("/evaluate", params={"view": "summary", "as_of": DAY}, json=variants[k])
                out.append(r.status_code == 200 and r.json() == expected[k])
        return out

    with ThreadPoolExecutor(8) as pool:
        results = [ok for run in pool.map(client_run, range(8)) for ok in run]
    assert len(results) == 1600 and all(results)


def test_the_openapi_document_is_valid_and_names_every_endpoint(client):
    """/openapi.json validates as OpenAPI and lists each endpoint."""
    document = client.get("/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == {
        "/version", "/evaluate", "/evaluate/{rule_id}", "/questions", "/schema/form", "/schema/profile", "/rules", "/rules/{rule_id}", "/batch"
    }
    for path in ("/evaluate", "/evaluate/{rule_id}"):
        body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/EnterpriseProfile"}
    one = document["paths"]["/evaluate/{rule_id}"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert one == {"$ref": "#/components/schemas/SupportResult"}


def test_the_page_is_served_at_the_root(client):
    """/ is the self-check page, an HTML document with the record headers."""
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "资格自查" in response.text
    assert _record_headers(response) == EXPECTED_HEADERS


def test_several_workers_serve_the_librarys_results():
    """``--workers 2``: worker processes built from the command's options answer like the library."""
    s = Server("--workers", "2", "--max-rows", "7")
    try:
        with httpx.Client(base_url=s.url, timeout=60) as c:
            answers = [c.post("/evaluate", params={"view": "report", "as_of": DAY}, json=EXAMPLE) for _ in range(6)]
            too_many = c.post("/batch", files={"file": ("x.csv", ("企业名称\n" + "甲\n" * 8).encode(), "text/csv")})
    finally:
        s.stop()
    expected = json.loads(view_json(evaluate(EXAMPLE, as_of=AS_OF), "report"))
    assert all(a.status_code == 200 and a.json() == expected for a in answers)
    assert too_many.status_code == 413  # the option reached the workers


def test_serve_without_the_extra_says_what_to_install():
    """Without FastAPI installed, ``eligibility serve`` exits 2 naming the extra, no traceback."""
    code = "import sys; sys.modules['fastapi'] = None; sys.argv = ['eligibility', 'serve']; from eligibility._commands import main; main()"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "serve" in result.stderr and "pip install" in result.stderr and "Traceback" not in result.stderr
