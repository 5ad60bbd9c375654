"""The dashboard in a real browser: Debian's Chromium driven by Playwright (no ``playwright install``)
against ``streamlit run app.py`` on a free port.

Where ``CI`` is set, a missing browser (or Playwright) is a failure, never a skip. The server reads
and writes scenario files in a temporary copy of ``assumptions/``. A screenshot of the overview in
Chinese is saved under the test's temporary folder (path printed with ``-s``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from finmodel import model, schema
from finmodel.ui import files, fmt, i18n

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PRICE = "heavy.price_cny_per_card_hour"
TIMEOUT_MS = 30_000


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why} (required in CI; scripts/install_system_deps.sh installs it)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed")
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM}")
    return sync_playwright, expect


@pytest.fixture(scope="module")
def adir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("assumptions")
    for p in (ROOT / "assumptions").glob("*.toml"):
        shutil.copy(p, d / p.name)
    shutil.copytree(ROOT / "assumptions" / "portfolio", d / "portfolio")
    return d


@pytest.fixture(scope="module")
def app_url(adir: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, files.ENV_DIR: str(adir)}
    log = adir.parent / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start:\n" + log.read_text(errors="replace")) from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(playwright_api):
    sync_playwright, _ = playwright_api
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


def price_box(page, lang: str = "zh"):
    """The rental-price number input (its label comes from the schema)."""
    return page.get_by_role("spinbutton", name=i18n.field_label(PRICE, lang), exact=True)


def metric_value(page, label: str):
    """The value element of the KPI card labelled ``label``."""
    card = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label,
                                                                                                        exact=True))
    return card.get_by_test_id("stMetricValue")


def payback_value(page, lang: str = "zh"):
    """The payback KPI card's value element."""
    return metric_value(page, model.item("heavy", "payback_months").zh if lang == "zh"
                        else model.item("heavy", "payback_months").en)


def test_price_moves_payback_link_reopens_and_downloads(browser, playwright_api, app_url: str, adir: Path,
                                                        tmp_path: Path) -> None:
    _, expect = playwright_api
    seed = schema.load(adir / "seed_fs2024.toml")
    context = browser.new_context(viewport={"width": 1500, "height": 2000}, accept_downloads=True)
    page = context.new_page()
    page.goto(app_url)
    value = payback_value(page)
    expect(value).to_have_text(fmt.months(model.evaluate(seed).heavy["payback_months"], "zh"), timeout=TIMEOUT_MS)

    # change the rental price: the payback card shows what the engine computes for that scenario
    new_price = 27.5
    box = price_box(page)
    box.fill(str(new_price))
    box.press("Enter")
    changed = seed.replace({PRICE: new_price})
    expect(value).to_have_text(fmt.months(model.evaluate(changed).heavy["payback_months"], "zh"), timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(re.escape(f"{PRICE}={new_price!r}")), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the chart finish drawing before the screenshot
    shot = tmp_path / "overview_zh.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")

    # the live workbook downloads without losing state, and openpyxl opens it
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name=i18n.t("dl_workbook", "zh")).click()
    xlsx = tmp_path / dl.value.suggested_filename
    dl.value.save_as(xlsx)
    import openpyxl

    wb = openpyxl.load_workbook(xlsx)
    assert "Inputs" in wb.sheetnames
    sheet, cell = next(iter(wb.defined_names["heavy_price_cny_per_card_hour"].destinations))
    assert wb[sheet][cell.replace("$", "")].value == new_price
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name=i18n.t("dl_csv", "zh")).click()
    csv = dl.value.path().read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "租赁收入".encode() in csv
    expect(value).to_have_text(fmt.months(model.evaluate(changed).heavy["payback_months"], "zh"))
    assert price_box(page).input_value() == f"{new_price:.2f}"

    # a copied link opens the same inputs for someone else
    link = page.url
    other = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
    other.goto(link)
    expect(payback_value(other)).to_have_text(fmt.months(model.evaluate(changed).heavy["payback_months"], "zh"),
                                              timeout=TIMEOUT_MS)
    assert price_box(other).input_value() == f"{new_price:.2f}"
    other.context.close()
    context.close()


def test_english_link_and_business_models_page(browser, playwright_api, app_url: str, adir: Path,
                                               tmp_path: Path) -> None:
    _, expect = playwright_api
    seed = schema.load(adir / "seed_fs2024.toml")
    page = browser.new_context(viewport={"width": 1500, "height": 1400}).new_page()
    page.goto(app_url + f"/?lang=en&heavy.occupancy=0.8&{PRICE}=24.0")
    changed = seed.replace({"heavy.occupancy": 0.8, PRICE: 24.0})
    expect(payback_value(page, "en")).to_have_text(fmt.months(model.evaluate(changed).heavy["payback_months"], "en"),
                                                   timeout=TIMEOUT_MS)
    page.get_by_test_id("stTopNav").get_by_role("button", name=i18n.t("nav_model", "en"), exact=True).click()
    page.get_by_role("menuitem", name=i18n.t("page_models", "en")).click()
    expect(page.get_by_role("heading", name=i18n.t("page_models", "en"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"heavy\.occupancy=0\.8"), timeout=TIMEOUT_MS)  # state kept across pages
    page.wait_for_timeout(1500)
    page.screenshot(path=str(tmp_path / "models_en.png"), full_page=True)
    page.context.close()


def test_portfolio_page_edit_a_purchase_month_in_the_grid(browser, playwright_api, app_url: str, adir: Path,
                                                          tmp_path: Path) -> None:
    """Type a new purchase month into the cohort table (a canvas grid: keyboard navigation from the
    first cell); the company's NPV card shows what the portfolio engine gives for the edited file."""
    from finmodel.model import portfolio_result as pr
    from finmodel.schema import portfolio
    from finmodel.ui import portfolio_view as pv

    _, expect = playwright_api
    p = portfolio.load(adir / "portfolio" / "h800_lots.toml")
    npv = metric_value(page := browser.new_context(viewport={"width": 1500, "height": 2600}).new_page(),
                       pv.item_label("npv_cny", "zh"))
    page.goto(app_url + "/portfolio")
    expect(npv).to_have_text(pv.shown(pr.evaluate(p), "npv_cny", "zh"), timeout=TIMEOUT_MS)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible(timeout=TIMEOUT_MS)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # the grid draws its canvas after the element appears
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 80, box["y"] + 35 + 17)  # the first row's cohort cell, below the header
    for _ in range(pv.FACTS.index("end_month") + 1):  # to the purchase month, the first input after the facts
        page.keyboard.press("ArrowRight")
    page.keyboard.type("6")
    page.wait_for_timeout(500)  # the cell's editor opens on the first key; Enter commits it
    page.keyboard.press("Enter")
    shifted = p.replace({f"cohorts.{p.cohorts[0].name}.purchase_month": 6})
    expect(npv).to_have_text(pv.shown(pr.evaluate(shifted), "npv_cny", "zh"), timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the chart finish drawing before the screenshot
    shot = tmp_path / "portfolio_zh.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")
    page.context.close()


def test_annual_statements_tab_and_debt_schedule_download(browser, playwright_api, app_url: str, adir: Path,
                                                          tmp_path: Path) -> None:
    """Issue 13 on the dashboard: the overview's tab of annual statements, the debt schedule of a
    60 % / 84-month loan picked in it, its CSV downloaded (the horizon's settlement in it, as the
    engine computes it), and the checks' status; a screenshot of the tab for a look."""
    import csv
    import io

    from finmodel.ui import statements_view as sv

    _, expect = playwright_api
    loan = {"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84}
    scenario = schema.load(adir / "seed_fs2024.toml").replace(loan)
    r = model.evaluate(scenario)
    context = browser.new_context(viewport={"width": 1500, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    page.goto(app_url + "/?" + "&".join(f"{k}={v}" for k, v in loan.items()))
    expect(payback_value(page)).to_have_text(fmt.months(r.heavy["payback_months"], "zh"), timeout=TIMEOUT_MS)
    page.get_by_role("tab", name=i18n.t("tab_statements", "zh")).click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("stButtonGroup").get_by_text(i18n.t("tbl_debt", "zh"), exact=True).click()
    # Only the debt view has the year/month picker: wait for it (the checks' lines are on every table,
    # so seeing them does not mean the rerun is done, and a download clicked mid-rerun never starts).
    expect(page.get_by_test_id("stButtonGroup").get_by_text(i18n.t("grain_year", "zh"), exact=True)).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_text(i18n.t("chk_balance", "zh"), exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.get_by_role("button", name=i18n.t("dl_table_csv", "zh")).click()
    rows = list(csv.reader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    settlement = next(row for row in rows if row[0] == "settlement_cny")
    annual = sv.annual_debt(r)
    assert float(settlement[-1]) == annual["settlement_cny"].iloc[-1] == r.heavy_monthly["settlement_cny"].sum()
    page.get_by_text(i18n.t("checks_title", "zh"), exact=True).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    shot = tmp_path / "statements_zh.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")
    context.close()
