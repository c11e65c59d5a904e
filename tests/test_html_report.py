"""The HTML report as a person sees it: opened in headless Chromium.

The pages are made by the real command line; the browser is Debian's ``chromium``
driven by Playwright (``.ci/run`` installs it). Without a browser these tests are skipped
with the reason, never passed silently. What they check: the page loads with no console
error and no request beyond the file itself, every chart has drawn marks, the numbers on
the page are those of ``sim run --json`` for the same inputs, hover and toggles work, the
tables are all there with scripts blocked, and a screenshot of a real report is kept in
``docs/images/report.png`` for the README.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from sim.report.text import interval, percent
from sim.stats import Estimate

RUNS = "4000"
CHROMIUM = os.environ.get("SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = REPO / "docs" / "images" / "report.png"
COMPARED = sorted(f"scenarios/{path.name}" for path in (REPO / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def browser():
    """Chromium through Playwright, or a skip that says what is missing."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
                    "or set SIM_CHROMIUM to a Chromium executable")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except Error as error:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {str(error).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory, sim_cli_many):
    """A one-scenario page, a comparison, a sweep, and ``sim run --json`` of each scenario."""
    folder = tmp_path_factory.mktemp("pages")
    made = {"run": folder / "run.html", "compare": folder / "compare.html", "sweep": folder / "sweep.html"}
    commands = [
        ["report", "scenarios/base.yaml", "--runs", RUNS, "-o", made["run"]],
        ["report", *COMPARED, "--runs", RUNS, "-o", made["compare"]],
        ["sweep", "scenarios/base.yaml", "-p", "actors.putin.readiness=-4.5:-2.5:5", "--runs", RUNS,
         "--html", made["sweep"]],
        *(["run", file, "--runs", RUNS, "--json"] for file in COMPARED),
    ]
    done = sim_cli_many(commands)
    for result in done:
        assert result.returncode == 0, result.stderr
    payloads = {json.loads(result.stdout)["scenario"]: json.loads(result.stdout) for result in done[3:]}
    return made, payloads


def open_page(browser, path: Path, *, scripts: bool = True):
    """The page loaded, with every console message and request it made."""
    context = browser.new_context(java_script_enabled=scripts, viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    seen = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, seen


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_page_loads_without_errors_or_requests(browser, pages, kind):
    """Offline and self-contained: the file itself is the only request, and nothing complains."""
    made, _ = pages
    page, seen = open_page(browser, made[kind])
    assert seen["errors"] == [] and seen["console"] == []
    assert seen["requests"] == [made[kind].as_uri()]
    page.context.close()


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_every_chart_has_drawn_marks(browser, pages, kind):
    """Each SVG chart has visible marks with a size on screen, and its lines have length."""
    made, _ = pages
    page, _ = open_page(browser, made[kind])
    charts = page.locator("svg.chart")
    assert charts.count() >= {"run": 2, "compare": 5, "sweep": 4}[kind]
    for k in range(charts.count()):
        chart = charts.nth(k)
        sizes = chart.evaluate("svg => Array.from(svg.querySelectorAll('.mark')).map(m => { const b = m.getBBox(); "
                               "return b.width * b.height; })")
        assert sizes and max(sizes) > 0, f"chart {k} ({chart.get_attribute('aria-label')}) has no drawn mark"
        lengths = chart.evaluate("svg => Array.from(svg.querySelectorAll('path.line')).map(p => p.getTotalLength())")
        assert all(length > 0 for length in lengths)
    page.context.close()


def shown_estimates(page) -> list[dict]:
    """Every estimate cell on the page: its scenario, metric, key, raw value and text, and
    the interval cell of its row (None for a cell that is a metric of its own)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('section.scenario [data-field="estimate"]'))
        .map(cell => {
          const row = cell.closest('[data-metric]');
          const interval = cell.hasAttribute('data-metric') ? null : row.querySelector('[data-field="interval"]');
          return {scenario: cell.closest('[data-scenario]').dataset.scenario, metric: row.dataset.metric,
                  key: row.dataset.key, value: JSON.parse(cell.dataset.value), text: cell.textContent.trim(),
                  low: interval && JSON.parse(interval.dataset.low), high: interval && JSON.parse(interval.dataset.high),
                  interval: interval && interval.textContent.trim()}; })""")


def from_json(payload: dict, metric: str, key: str) -> dict:
    """The JSON estimate a page cell shows: ``metric`` may be a dotted path (``track.p_deal_by``)."""
    if metric == "p_summit":
        return payload[metric]
    for part in metric.split("."):
        payload = payload[part]
    return payload[key]


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_numbers_on_the_page_are_those_of_sim_run_json(browser, pages, kind):
    """Every estimate shown (value, interval, text) is the one ``sim run --json`` gives."""
    made, payloads = pages
    page, _ = open_page(browser, made[kind])
    cells = shown_estimates(page)
    scenarios = {cell["scenario"] for cell in cells}
    assert scenarios == ({"base"} if kind == "run" else set(payloads))
    metrics = {cell["metric"] for cell in cells if cell["scenario"] == "base"}
    assert {"p_summit", "p_summit_by", "venue_share", "venue_share_given_summit", "format_share_given_summit",
            "reason_share", "track.p_deal_by"} <= metrics  # base has a track (eq. 11)
    for cell in cells:
        expected = from_json(payloads[cell["scenario"]], cell["metric"], cell["key"])
        assert cell["value"] == expected["estimate"], cell
        estimate = Estimate(expected["count"], expected["trials"], expected["estimate"] or 0.0,
                            expected["ci_low"], expected["ci_high"])
        if not expected["trials"]:  # a share of no summits (a variant without any): undefined
            assert cell["text"] == "-", cell
        elif not (cell["metric"] == "p_summit" and cell["text"] == "0"):  # "0": structurally impossible
            assert cell["text"] == percent(expected["estimate"]), cell
        if cell["interval"] is not None:
            assert (cell["low"], cell["high"]) == (expected["ci_low"], expected["ci_high"]), cell
            assert cell["interval"] == interval(estimate), cell
    quantiles = page.evaluate("""() => Array.from(document.querySelectorAll('section.scenario [data-metric="summit_round_quantiles"]'))
        .map(row => [row.closest('[data-scenario]').dataset.scenario, row.dataset.key,
                     Number(row.querySelector('[data-field="round"]').textContent),
                     row.querySelector('[data-field="date"]').textContent])""")
    assert quantiles
    for scenario, key, round_number, day in quantiles:
        assert round_number == payloads[scenario]["summit_round_quantiles"][key]
        assert day == payloads[scenario]["summit_date_quantiles"][key]
    embedded = page.evaluate("() => Array.from(document.querySelectorAll('script.sim-data')).map(s => JSON.parse(s.textContent))")
    assert {p["scenario"] for p in embedded} == scenarios
    for payload in embedded:  # the page embeds the data it shows: sim run --json's, less its provenance
        assert payload == {k: v for k, v in payloads[payload["scenario"]].items() if k != "provenance"}
    page.context.close()


def test_hover_shows_the_value_and_a_toggle_hides_a_scenario(browser, pages):
    """Pointing at a mark shows its value; a legend button hides that scenario everywhere."""
    made, _ = pages
    page, _ = open_page(browser, made["compare"])
    last = f"s{len(COMPARED) - 1}"  # drawn last, so on top where lines cross
    mark = page.locator(f"#by-date svg [data-series='{last}'] .mark").nth(20)
    mark.hover()
    tip = page.locator("#tip")
    assert tip.is_visible() and tip.text_content() == mark.get_attribute("data-tip")
    assert tip.text_content().startswith("western_format: round 21, week of 2026-06-21: ")
    page.locator("#by-date button[data-toggle='s1']").click()
    assert page.locator("#by-date svg [data-series='s1']").get_attribute("class").split()[-1] == "off"
    assert not page.locator("#compare-table tr[data-series='s1']").is_visible()
    page.locator("#by-date button[data-toggle='s1']").click()
    assert page.locator("#compare-table tr[data-series='s1']").is_visible()
    page.context.close()


def test_compare_table_sorts_by_a_column(browser, pages):
    """A click on the P heading orders the scenarios by P(summit), again reverses it."""
    made, payloads = pages
    page, _ = open_page(browser, made["compare"])
    heading = page.locator("#compare-table th", has_text="P").first
    names = lambda: page.locator("#compare-table tbody tr td:first-child").all_text_contents()  # noqa: E731
    by_p = sorted(payloads, key=lambda name: payloads[name]["p_summit"]["estimate"])
    heading.click()
    assert names() == by_p
    heading.click()
    assert names() == by_p[::-1]
    page.context.close()


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_with_scripts_blocked_the_tables_are_all_there(browser, pages, kind):
    """A reader whose browser blocks scripts still gets every table and number."""
    made, payloads = pages
    page, seen = open_page(browser, made[kind], scripts=False)
    assert seen["errors"] == []
    assert page.evaluate("() => document.documentElement.classList.contains('js')") is False
    captions = page.locator("section.scenario table caption").all_text_contents()
    assert {"Summit by date (cumulative)", "Where", "How runs ended"} <= set(captions)
    assert page.locator("section.scenario [data-metric='p_summit'] [data-field='estimate']").first.is_visible()
    if kind == "compare":
        assert page.locator("#compare-table tbody tr").count() == len(COMPARED)
    if kind == "sweep":
        assert page.locator("#sweep-table tbody tr").count() == 5
    page.locator("details.assumptions summary").first.click()
    assert page.locator("table.parameters tbody tr").first.is_visible()
    page.context.close()


def test_screenshot_of_a_real_report_for_the_docs(browser, pages):
    """The README shows this picture: the top of ``sim report scenarios/*.yaml --runs 4000``."""
    made, _ = pages
    page, _ = open_page(browser, made["compare"])
    page.set_viewport_size({"width": 1100, "height": 1500})
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000
    page.context.close()
