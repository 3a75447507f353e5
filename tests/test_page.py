"""The self-check page at ``/``, in a real headless Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from eligibility import evaluate
from eligibility._fields import set_field

from service_process import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

# A newcomer's machine may have no browser: there these tests are reported as skipped, with what to
# install. CI sets ELIGIBILITY_REQUIRE_BROWSER=1 after installing one, so there they always run.
_BROWSER = os.path.exists(CHROMIUM) and os.path.exists(DRIVER)
if not _BROWSER and os.environ.get("ELIGIBILITY_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"ELIGIBILITY_REQUIRE_BROWSER=1 but {CHROMIUM} or {DRIVER} is missing")
pytestmark = pytest.mark.skipif(
    not _BROWSER, reason="no Chromium here: apt-get install chromium chromium-driver (as .ci/run does)"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
LAST_YEAR = date.today().year - 1


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(browser, server):
    browser.get(server.url + "/")
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def _field(browser, path: str):
    return browser.find_element(By.ID, "f-" + path)


def _results_shown(browser) -> int:
    return int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-results") or 0)


def _submit_and_read(browser) -> dict[str, str]:
    shown = _results_shown(browser)
    browser.find_element(By.ID, "submit").click()
    return _verdicts(browser, shown)


def _verdicts(browser, shown_before: int) -> dict[str, str]:
    """The verdicts on the page once a result after ``shown_before`` is shown, support id -> verdict."""
    WebDriverWait(browser, 60).until(lambda d: _results_shown(d) > shown_before)
    return browser.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('#groups li.support')]"
        ".map(li => [li.dataset.id, li.dataset.verdict]))"
    )


ENTERPRISE = {
    "name": "竹山县测试新材料有限公司",
    "uscc": "91420323MA4F0XK151",
    "registration_date": "2019-06-18",
    "park": "chengbei",
    "staff_total": 120,
    "st_staff": 18,
    "in_tech_enterprise_pool": True,
    "certifications": {"knowledge_value_grade": "B", "hnte_certified": False},
    "financials": [{"year": LAST_YEAR, "operating_revenue": 86000000, "rd_expense": 3100000}],
}


def _fill(browser, data: dict) -> None:
    _field(browser, "name").send_keys(data["name"])
    _field(browser, "uscc").send_keys(data["uscc"])
    _field(browser, "registration_date").send_keys("06/18/2019")  # Chromium's date input takes the US order
    Select(_field(browser, "park")).select_by_visible_text("城北绿色低碳产业园")
    _field(browser, "staff_total").send_keys("120")
    _field(browser, "st_staff").send_keys("18")
    Select(_field(browser, "in_tech_enterprise_pool")).select_by_visible_text("是")
    Select(_field(browser, "certifications.knowledge_value_grade")).select_by_visible_text("B级")
    Select(_field(browser, "certifications.hnte_certified")).select_by_visible_text("否")
    _field(browser, f"financials[{LAST_YEAR}].operating_revenue").send_keys("86000000")
    _field(browser, f"financials[{LAST_YEAR}].rd_expense").send_keys("3100000")


def test_the_form_filled_for_an_enterprise_shows_the_librarys_verdicts(browser, server):
    """Fill the form by label, submit: each support shows the library's verdict for the same data."""
    _open(browser, server)
    _fill(browser, ENTERPRISE)
    shown = _submit_and_read(browser)
    expected = {s.id: s.verdict.value for s in evaluate(ENTERPRISE).supports}
    assert shown == expected
    assert {"eligible", "needs_information"} <= set(shown.values())
    groups = browser.find_element(By.ID, "groups").text
    assert "可以申报" in groups and "需补充信息" in groups
    assert "规则指纹" in browser.find_element(By.ID, "record").text


def test_a_next_question_answered_in_place_updates_the_verdicts(browser, server):
    """The first next question, answered in place, gives the library's verdicts with that answer."""
    _open(browser, server)
    _fill(browser, ENTERPRISE)
    _submit_and_read(browser)
    shown = _results_shown(browser)
    question = browser.find_element(By.CSS_SELECTOR, "#question-fields [data-q]")
    path = question.get_attribute("data-q")
    kind = question.get_attribute("data-type")
    if question.tag_name == "select":
        options = Select(question).options
        Select(question).select_by_index(len(options) - 1)
        value = options[-1].get_attribute("value")
        answer = value == "true" if kind == "boolean" else [value] if kind == "list" else value
    else:
        question.send_keys("1")
        answer = 1
    browser.find_element(By.ID, "apply-answers").click()
    after = _verdicts(browser, shown)
    expected = {s.id: s.verdict.value for s in evaluate(set_field(ENTERPRISE, path, answer)).supports}
    assert after == expected


def test_a_refused_profile_shows_the_problem_by_its_field(browser, server):
    """S&T staff above total staff: the page shows the library's message beside the field."""
    _open(browser, server)
    _field(browser, "name").send_keys("甲")
    _field(browser, "staff_total").send_keys("10")
    _field(browser, "st_staff").send_keys("11")
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-field="st_staff"] .problem'))
    assert "科技人员数" in browser.find_element(By.CSS_SELECTOR, '[data-field="st_staff"] .problem').text
    assert browser.find_element(By.CSS_SELECTOR, "#errors [data-code]").get_attribute("data-code") == "st_staff_within_staff"


def test_the_printed_page_is_the_report_without_the_form(browser, server):
    """In print media the form and the buttons are hidden and the verdicts stay."""
    _open(browser, server)
    _fill(browser, ENTERPRISE)
    _submit_and_read(browser)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.ID, "profile-form").is_displayed()
        assert not browser.find_element(By.ID, "print").is_displayed()
        assert browser.find_element(By.ID, "groups").is_displayed()
        assert "可以申报" in browser.find_element(By.ID, "groups").text
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
