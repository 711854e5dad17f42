"""The department page as a person uses it: a real headless Chromium (Debian's, driven by its chromedriver through
Selenium) loads the page from the local server, follows paging and a filter, runs a search and reads what is shown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.serve import serving
from infra.local.stack import LocalStack
from tests.integration.read_side import EDUCATION, ingest, question, question_time

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver (make test installs them: apt-get install chromium "
    "chromium-driver, as root)",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=420,900"):
        options.add_argument(argument)  # a phone-sized window: the page must read there
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _titles(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, "article.entry h2, article.entry h3")]


def test_a_person_pages_filters_and_searches_the_department_page(stack: LocalStack, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    # GIVEN 22 questions and the Education question time, served locally
    ingest(stack, "written-questions", [question(n, 1 + n, f"Apprentices question {n}") for n in range(1, 23)])
    ingest(stack, "written-questions", [question(30, 28, "Teacher pay in Stockport")])
    ingest(stack, "whatson-events", [question_time()])
    with serving(stack) as url:
        # WHEN the department page is opened
        browser.get(f"{url}/departments/{EDUCATION}")
        # THEN it is the department's page, newest first, 20 entries, the event's "Add to calendar" visible
        assert browser.find_element(By.TAG_NAME, "h1").text == "Department for Education"
        first = _titles(browser)
        assert len(first) == 20 and first[:2] == ["Education (including Topical Questions)", "Teacher pay in Stockport"]
        assert browser.find_element(By.LINK_TEXT, "Add to calendar").is_displayed()
        # WHEN "Older" is followed / THEN the rest is shown, and "Newer" leads back
        browser.find_element(By.LINK_TEXT, "Older").click()
        assert _titles(browser) == [f"Apprentices question {n}" for n in (4, 3, 2, 1)]
        browser.find_element(By.LINK_TEXT, "Newer").click()
        assert _titles(browser) == first
        # WHEN the "Scheduled Event" filter is chosen / THEN only the event is listed, the filter marked current
        browser.find_element(By.LINK_TEXT, "Scheduled Event").click()
        assert _titles(browser) == ["Education (including Topical Questions)"]
        current = browser.find_element(By.CSS_SELECTOR, 'nav.filters [aria-current="page"]')
        assert current.text == "Scheduled Event"
        # WHEN a search is typed in the page's search box and submitted
        box = browser.find_element(By.ID, "q")
        box.send_keys('"teacher pay"')
        box.submit()
        # THEN exactly the matching item is shown, under a heading that says so
        assert _titles(browser) == ["Teacher pay in Stockport"]
        assert browser.find_element(By.ID, "results").text == '1 result for "teacher pay"'
