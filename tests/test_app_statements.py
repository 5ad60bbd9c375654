"""The overview's annual statements and debt schedule tab, the deal page and its DSCR chart (issues
13 and 12 on the dashboard).

The scenario is the seed (``assumptions/seed_fs2024.toml``) with a loan (60 % of capex over 84
months, as issue 13's example: ¥343,939 left at the horizon) bought in April 2025 with fiscal years
starting in April, so the first and last fiscal years are partial. Expected figures are written out
here: the fiscal year of each month by a plain loop over the calendar (not the engine's calendar
rows), then the year's sum of each monthly line, the year-end balance, and the DSCR as the ratio of
the year's sums; shown values through the same ``fmt`` function the page uses.

Issue 12's rows (the corkscrew's opening and closing balances, the monthly DSCR, the minimum DSCR)
are tested when the engine has them and skipped, naming the row, while it does not.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402  (a type in the helpers' signatures)

from finmodel import model, schema  # noqa: E402
from finmodel.model import reports  # noqa: E402
from finmodel.schema.months import Month  # noqa: E402
from finmodel.ui import deal_charts, fmt, i18n, present, safe, widgets  # noqa: E402
from finmodel.ui import statements_view as sv  # noqa: E402

from . import test_app  # noqa: E402
from .test_app import start  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
START, FISCAL_START = "2025-04", 4
LOAN = {"heavy.loan_share_of_capex": "0.6", "heavy.loan_term_months": "84"}
DATED = {"general.start_date": START, "general.fiscal_year_start_month": str(FISCAL_START)}


adir = test_app.adir  # the private copy of assumptions/ every AppTest here runs on


def scenario(params: dict[str, str]) -> schema.Scenario:
    seed = schema.load(ROOT / "assumptions" / "seed_fs2024.toml")
    values: dict[str, object] = {}
    for path, text in params.items():
        values[path] = Month.parse(text) if path == "general.start_date" else float(text)
    for path in ("heavy.loan_term_months", "general.fiscal_year_start_month", "general.horizon_months"):
        if path in values:
            values[path] = int(float(str(values[path])))
    return seed.replace(values)


def open_tab(at: AppTest, table: str = "income", which: str = "heavy") -> AppTest:
    at.segmented_control(key="chart_model").set_value(which).run()
    at.session_state["overview_tab"] = i18n.t("tab_statements", "zh")
    at.run()
    if table != "income":
        at.segmented_control(key=f"stmt_pick:{which}").set_value(table).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def fiscal_years(n_months: int, start: str = START, first_month: int = FISCAL_START) -> list[int]:
    """The fiscal year of each timeline month, by hand: month t is ``start`` + t; a fiscal year
    starting in ``first_month`` is named by the calendar year it ends in."""
    year, month = int(start[:4]), int(start[5:])
    out = []
    for _ in range(n_months):
        out.append(year + (1 if first_month > 1 and month >= first_month else 0))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def by_year(values: np.ndarray, years: list[int], how: str) -> dict[int, float]:
    """A plain loop: the year's sum (``sum``), its first month (``first``) or its last (``last``)."""
    out: dict[int, float] = {}
    for v, y in zip(values, years, strict=True):
        if how == "sum":
            out[y] = out.get(y, 0.0) + float(v)
        elif how == "last" or y not in out:
            out[y] = float(v)
    return out


def heading(year: int, months: int, lang: str = "zh") -> str:
    return str(year) if months == 12 else i18n.t("year_partial", lang, y=year, m=months)


def row_of(frame: pd.DataFrame, which: str, key: str, lang: str = "zh") -> pd.Series:
    return frame.loc[sv.line_label(which, key, lang)]


# --------------------------------------------------------------------------- the annual statements
def test_income_statement_by_fiscal_year_sums_the_months(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = open_tab(start(params))
    shown = at.dataframe[0].value
    r = model.evaluate(scenario(params))
    m = r.heavy_monthly
    years = fiscal_years(len(m))
    counts = {y: years.count(y) for y in years}
    assert list(shown.columns) == [heading(y, counts[y]) for y in counts]
    assert counts == {2026: 12, 2027: 12, 2028: 12, 2029: 12, 2030: 12, 2031: 1}  # April 2025 … April 2030
    for key in ("revenue_cny", "ebitda_cny", "interest_cny", "net_income_cny"):
        want = by_year(m[key].to_numpy(), years, "sum")
        got = row_of(shown, "heavy", key)
        decl = reports.declared("heavy", key)
        assert list(got) == [fmt.value(want[y], decl, "zh", unit=False) for y in counts], key
    assert math.isclose(sum(by_year(m["interest_cny"].to_numpy(), years, "sum").values()),
                        float(m["interest_cny"].sum()), rel_tol=1e-12)


def test_balance_sheet_takes_the_year_end_and_balances(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = open_tab(start(params), "balance")
    shown = at.dataframe[0].value
    m = model.evaluate(scenario(params)).heavy_monthly
    years = fiscal_years(len(m))
    want = by_year(m["debt_balance_cny"].to_numpy(), years, "last")
    assert list(row_of(shown, "heavy", "debt_balance_cny")) == [
        fmt.value(v, reports.declared("heavy", "debt_balance_cny"), "zh", unit=False) for v in want.values()]
    assert list(want.values())[-1] == 0.0  # the horizon is a liquidation: the balance is settled
    checks = [x.value for x in at.markdown if i18n.t("chk_balance", "zh") in x.value]
    assert len(checks) == 1 and i18n.t("chk_pass", "zh") in checks[0]


def test_calendar_years_regroup_the_same_months(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = open_tab(start(params))
    at.segmented_control(key="stmt_by:heavy").set_value("calendar").run()
    shown = at.dataframe[0].value
    m = model.evaluate(scenario(params)).heavy_monthly
    years = fiscal_years(len(m), first_month=1)
    counts = {y: years.count(y) for y in years}
    assert list(shown.columns) == [heading(y, counts[y]) for y in counts]
    want = by_year(m["revenue_cny"].to_numpy(), years, "sum")
    assert list(row_of(shown, "heavy", "revenue_cny")) == [
        fmt.value(want[y], model.item("heavy", "revenue_cny"), "zh", unit=False) for y in counts]


@pytest.mark.parametrize("table", ["income", "cash_flow", "balance", "ratios"])
@pytest.mark.parametrize("which", ["heavy", "light"])
def test_every_table_of_both_models_renders_in_english_with_the_items_labels(adir: Path, table: str,
                                                                             which: str) -> None:
    at = start({**LOAN, **DATED, "lang": "en"})
    at.segmented_control(key="chart_model").set_value(which).run()
    at.session_state["overview_tab"] = i18n.t("tab_statements", "en")
    at.run()
    if table != "income":
        at.segmented_control(key=f"stmt_pick:{which}").set_value(table).run()
    assert not at.exception and not at.error
    labels = list(at.dataframe[0].value.index)
    keys = [r.key for r in reports.RATIOS[which]] if table == "ratios" else list(reports.LINES[which][table])
    rolled = reports.annual(getattr(model.evaluate(scenario({**LOAN, **DATED})), f"{which}_monthly"), which).columns
    assert [x.split(" [")[0] for x in labels] == [reports.label(which, k, "en") for k in keys if k in rolled]
    assert len(at.get("download_button")) >= 4  # this table's CSV beside the three downloads of the page


def test_light_asset_has_no_debt_schedule_option(adir: Path) -> None:
    at = open_tab(start({**LOAN}), which="light")
    options = at.segmented_control(key="stmt_pick:light").options
    assert i18n.t("tbl_debt", "zh") not in options and i18n.t("tbl_balance", "zh") in options


# --------------------------------------------------------------------------- the debt schedule
def test_debt_schedule_by_year_is_a_corkscrew_of_the_engines_rows(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = open_tab(start(params), "debt")
    shown = at.dataframe[0].value
    r = model.evaluate(scenario(params))
    m = r.heavy_monthly
    years = fiscal_years(len(m))
    counts = {y: years.count(y) for y in years}
    keys = sv.debt_keys(list(m.columns), money_only=True)
    assert keys, "no debt line at all"
    for key in keys:  # only lines the model has, each summed or taken at the close as it declares
        how = "sum" if model.item("heavy", key).flow else "first" if key == "debt_opening_cny" else "last"
        want = by_year(m[key].to_numpy(), years, how)
        assert list(row_of(shown, "heavy", key)) == [
            fmt.value(want[y], model.item("heavy", key), "zh", unit=False) for y in counts], key
    # the annual DSCR: the year's Σ CFADS ÷ Σ debt service; a year without service reads "—"
    cfads = by_year(m["cfads_cny"].to_numpy(), years, "sum")
    service = by_year(m["debt_service_cny"].to_numpy(), years, "sum")
    dscr = [cfads[y] / service[y] if service[y] > 0 else math.nan for y in counts]
    decl = reports.declared("heavy", "dscr")
    assert list(row_of(shown, "heavy", "dscr")) == [fmt.value(v, decl, "zh", unit=False) for v in dscr]
    # debt drawn = principal repaid + the balance settled at the horizon (issue 13's ¥343,939)
    flows = sum(by_year(m[k].to_numpy(), years, "sum")[y] for k in ("debt_flow_cny", "settlement_cny")
                for y in counts if k in m)
    assert abs(flows) < 1e-6
    settled = -by_year(m["settlement_cny"].to_numpy(), years, "sum")[max(counts)]
    assert settled == pytest.approx(343_939, abs=1)
    loan_card = [x for x in at.metric if x.label == i18n.item_label("heavy", "loan_cny", "zh")]
    assert loan_card and loan_card[0].value == fmt.value(r.heavy["loan_cny"], model.item("heavy", "loan_cny"), "zh")


def test_debt_schedule_by_month_lists_each_month(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = open_tab(start(params), "debt")
    at.segmented_control(key="debt_grain:ov").set_value("month").run()
    assert not at.exception
    shown = at.dataframe[0].value
    m = model.evaluate(scenario(params)).heavy_monthly
    assert len(shown) == len(m)
    assert shown.iloc[0, 0] == START and shown.iloc[-1, 0] == "2030-04"  # 60 months after April 2025
    col = sv.line_label("heavy", "interest_cny", "zh")
    assert list(shown[col]) == [fmt.value(v, model.item("heavy", "interest_cny"), "zh", unit=False)
                                for v in m["interest_cny"]]


def test_no_loan_no_debt_schedule(adir: Path) -> None:
    at = open_tab(start({}), "debt")
    assert any(i18n.t("no_debt", "zh") in x.value for x in at.info)
    assert not at.dataframe


def test_debt_lines_first_present_alternative_in_corkscrew_order() -> None:
    today = ["interest_cny", "debt_flow_cny", "settlement_cny", "debt_balance_cny", "cfads_cny", "debt_service_cny"]
    assert sv.debt_keys(today) == ["debt_flow_cny", "interest_cny", "settlement_cny", "debt_balance_cny",
                                   "cfads_cny", "debt_service_cny"]
    # issue 12's corkscrew (finmodel/model/debt.py on the debt branch): drawdown replaces the signed flow
    corkscrew = ["dscr_12m", "dscr", "debt_principal_cny", "interest_paid_cny", "capitalised_interest_cny",
                 "debt_drawdown_cny", "debt_opening_cny", "loan_balance_cny", "debt_fee_cny", *today]
    assert sv.debt_keys(corkscrew) == [
        "debt_opening_cny", "debt_drawdown_cny", "capitalised_interest_cny", "interest_cny", "interest_paid_cny",
        "debt_principal_cny", "settlement_cny", "debt_balance_cny", "cfads_cny", "debt_service_cny", "dscr",
        "dscr_12m"]


def test_corkscrew_adds_up_every_year() -> None:
    """Issue 12's corkscrew rows (the debt branch): each year opens where the last one closed, and
    opening + drawdown + capitalised interest − principal + settlement (a negative flow) = closing."""
    need = ("debt_opening_cny", "debt_drawdown_cny", "debt_principal_cny")
    missing = [k for k in need if not sv.has_key("heavy", k)]
    if missing:
        pytest.skip(f"the engine has no {', '.join(missing)} rows yet (issue 12's corkscrew)")
    a = sv.annual_debt(model.evaluate(scenario({**LOAN, **DATED})))
    opening, closing = a["debt_opening_cny"].to_numpy(), a["debt_balance_cny"].to_numpy()
    assert np.allclose(opening[1:], closing[:-1], atol=1e-6)
    cap = a["capitalised_interest_cny"].to_numpy() if "capitalised_interest_cny" in a else 0.0
    moved = opening + a["debt_drawdown_cny"].to_numpy() + cap - a["debt_principal_cny"].to_numpy() \
        + a["settlement_cny"].to_numpy()
    assert np.allclose(moved, closing, atol=1e-6)


# --------------------------------------------------------------------------- CSV downloads
def test_csv_keeps_numbers_and_escapes_formula_text() -> None:
    frame = pd.DataFrame({"label": ["=1+2", "+x", "-y", "@SUM(A1)", "\tq", "plain", "−5 (minus sign)"],
                          "value": [-5.0, 1.5, -0.25, 0.0, 2.0, 3.0, 4.0]}, index=pd.Index(list("abcdefg"), name="=i"))
    text = safe.csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=i", "label", "value"]
    assert [r[1] for r in rows[1:]] == ["'=1+2", "'+x", "'-y", "'@SUM(A1)", "'\tq", "plain", "−5 (minus sign)"]
    assert [float(r[2]) for r in rows[1:]] == [-5.0, 1.5, -0.25, 0.0, 2.0, 3.0, 4.0]  # numbers never quoted


def test_statement_csv_holds_the_rollup_in_full_precision() -> None:
    r = model.evaluate(scenario({**LOAN, **DATED}))
    a = sv.annual(r, "heavy")
    keys = sv.statement_lines("heavy", "income", list(a.columns))
    data = sv.csv_bytes(a, "heavy", keys, "zh")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["line", "label", "unit", *(str(y) for y in a.index)]
    assert rows[1][0] == "period" and rows[1][3] == f"{START}…2026-03"
    years = fiscal_years(len(r.heavy_monthly))
    revenue = next(row for row in rows if row[0] == "revenue_cny")
    want = by_year(r.heavy_monthly["revenue_cny"].to_numpy(), years, "sum")
    assert revenue[1:3] == [model.item("heavy", "revenue_cny").zh, "CNY"]
    assert [float(x) for x in revenue[3:]] == pytest.approx(list(want.values()), rel=1e-15, abs=1e-9)


def test_a_line_label_that_looks_like_a_formula_is_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    r = model.evaluate(scenario({**LOAN, **DATED}))
    a = sv.annual(r, "heavy")
    monkeypatch.setattr(reports, "label", lambda which, key, lang="en": "=HYPERLINK(\"http://evil\")")
    rows = list(csv.reader(io.StringIO(sv.csv_bytes(a, "heavy", ["revenue_cny"], "zh").decode("utf-8-sig"))))
    assert rows[3][1] == "'=HYPERLINK(\"http://evil\")"


# --------------------------------------------------------------------------- checks' status
def test_a_broken_balance_sheet_fails_its_check() -> None:
    r = model.evaluate(scenario(LOAN))
    assert all(c.passed for c in sv.checks(r, "heavy")) and all(c.passed for c in sv.checks(r, "light"))
    monthly = r.heavy_monthly.copy()
    monthly.loc[30, "balance_check_cny"] = 0.01  # a cent off in one month
    broken = replace(r, heavy_monthly=monthly)
    check = next(c for c in sv.checks(broken, "heavy") if c.key == "chk_balance")
    assert check.value == 0.01 and not check.passed
    capex = float(r.heavy_monthly["investment_cny"].sum())
    assert check.limit == pytest.approx(1e-9 * capex)  # the workbook's tolerance × the investment


# --------------------------------------------------------------------------- the deal page
def vega_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_deal_page_draws_every_deal_input_the_schema_declares(adir: Path) -> None:
    at = start(LOAN)
    at.switch_page("app_pages/deal.py").run()
    assert not at.exception and not at.error
    declared = [p for p, spec in schema.FIELDS.items() if spec.group in widgets.DEAL_GROUPS]
    assert declared  # the financing group at least
    keys = {w.key for kind in ("slider", "number_input", "selectbox") for w in getattr(at, kind)}
    assert {widgets.key_of(p) for p in declared} <= keys
    at.slider(key=widgets.key_of("heavy.loan_share_of_capex")).set_value(0.5).run()
    assert at.session_state["scenario"].heavy.loan_share_of_capex == 0.5
    loan = model.evaluate(scenario({**LOAN, "heavy.loan_share_of_capex": "0.5"})).heavy["loan_cny"]
    assert [x.value for x in at.metric if x.label == i18n.item_label("heavy", "loan_cny", "zh")] == [
        fmt.value(loan, model.item("heavy", "loan_cny"), "zh")]


def test_deal_page_dscr_chart_has_the_covenant_line_and_the_years_dscr(adir: Path) -> None:
    params = {**LOAN, **DATED}
    at = start(params)
    at.switch_page("app_pages/deal.py").run()
    assert not at.exception and not at.error
    (drawn,) = vega_specs(at)
    assert sorted(layer["mark"]["type"] for layer in drawn["layer"]) in (
        ["bar", "rule", "text"], ["line", "point", "rule", "text"])
    assert any(i18n.t("dscr_title", "zh") in x.value for x in at.markdown)
    # the chart the page draws, with its data (Streamlit ships the data apart from the spec)
    r = model.evaluate(scenario(params))
    series, grain = sv.dscr_series(r)
    covenant = sv.covenant(scenario(params))
    if not sv.covenant_declared():
        assert covenant == 1.20 and any(i18n.t("covenant_default", "zh", x="1.2") in c.value for c in at.caption)
    spec = deal_charts.dscr(series, grain, covenant, "zh").to_dict()  # validated against Vega-Lite
    data = spec["datasets"]
    rule = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert [row["y"] for row in data[rule["data"]["name"]]] == [covenant]
    marks = next(layer for layer in spec["layer"] if layer["mark"]["type"] in ("bar", "point"))
    rows = data[marks["data"]["name"]]
    m = r.heavy_monthly
    if sv.DSCR_ROW not in m:  # by year: Σ CFADS ÷ Σ debt service of each year with service
        assert grain == "year"
        years = fiscal_years(len(m))
        cfads = by_year(m["cfads_cny"].to_numpy(), years, "sum")
        service = by_year(m["debt_service_cny"].to_numpy(), years, "sum")
        want = {str(y): cfads[y] / service[y] for y in cfads if service[y] > 0}
        assert {row["period"]: row["dscr"] for row in rows} == pytest.approx(want, rel=1e-12)
    colour = {row["status"] for row in rows}
    assert colour == {i18n.t("dscr_above", "zh")}  # 7.4× against 1.2×: every year meets it


def test_dscr_below_the_covenant_is_red() -> None:
    series = pd.DataFrame({"period": ["2026", "2027", "2028"], "order": [0, 1, 2], "dscr": [0.8, 1.2, 1.5]})
    spec = deal_charts.dscr(series, "year", 1.2, "en").to_dict()
    marks = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    rows = spec["datasets"][marks["data"]["name"]]
    assert [row["status"] for row in rows] == ["below covenant", "meets covenant", "meets covenant"]
    scale = marks["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {"meets covenant": "#2e7d32",
                                                                       "below covenant": "#c62828"}
    assert marks["encoding"]["y"]["scale"]["domain"] == [0.0, 3.0]


def test_deal_page_without_a_loan_says_so_and_draws_no_chart(adir: Path) -> None:
    at = start({})
    at.switch_page("app_pages/deal.py").run()
    assert not at.exception and not at.error
    assert any(i18n.t("no_debt", "zh") in x.value for x in at.info)
    assert not at.get("vega_lite_chart")


@pytest.mark.parametrize("params", [{"general.horizon_months": "1"}, {"heavy.loan_term_months": "1"},
                                    {"heavy.price_cny_per_card_hour": "0", "heavy.occupancy": "0"}])
def test_deal_page_and_tab_on_degenerate_loans(adir: Path, params: dict[str, str]) -> None:
    at = start({**LOAN, **params})
    open_tab(at, "debt")
    at.switch_page("app_pages/deal.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    r = model.evaluate(scenario({**LOAN, **params}))
    series, _ = sv.dscr_series(r)
    if series.empty:
        assert any(i18n.t("dscr_none", "zh") in x.value for x in at.info)
    else:
        assert len(at.get("vega_lite_chart")) == 1


def test_a_model_with_an_infinite_line_shows_no_statements(adir: Path) -> None:
    """A subnormal P per server (1e-310, a valid input) makes the light revenue infinite: the tab
    names the infinite lines, as the KPI cards do, instead of statements built on them."""
    at = start({"light.p_per_server_override": "1e-310"})
    open_tab(at, which="light")
    assert not at.dataframe
    r = model.evaluate(scenario({"light.p_per_server_override": "1e-310"}))
    assert present.nonfinite_message(r, "zh") in [w.value for w in at.warning]
    open_tab(at, which="heavy")  # the heavy asset is whole: its statements are shown
    assert len(at.dataframe) == 1


# --------------------------------------------------------------------------- min DSCR beside payback
def test_min_dscr_card_beside_payback_when_there_is_debt(adir: Path) -> None:
    if not sv.has_key("heavy", present.DEBT_KPI.key):
        pytest.skip("the engine has no heavy.min_dscr result yet (issue 12's coverage)")
    at = start(LOAN)
    labels = [x.label for x in at.metric]
    payback = present.card_label(present.Kpi("heavy", "payback_months"), "zh")
    assert labels[labels.index(payback) + 1] == present.card_label(present.DEBT_KPI, "zh")
    r = model.evaluate(scenario(LOAN))
    assert at.metric[labels.index(payback) + 1].value == present.shown_kpi(r, present.DEBT_KPI, "zh")
    no_debt = start({})
    assert present.card_label(present.DEBT_KPI, "zh") not in [x.label for x in no_debt.metric]


def test_without_a_min_dscr_result_the_cards_are_the_headline(adir: Path) -> None:
    r = model.evaluate(scenario(LOAN))
    cards = present.kpis(r)
    if sv.has_key("heavy", present.DEBT_KPI.key) and fmt.finite(r.heavy[present.DEBT_KPI.key]):
        assert cards.index(present.DEBT_KPI) == cards.index(present.Kpi("heavy", "payback_months")) + 1
    else:
        assert cards == present.KPIS
    assert present.kpis(model.evaluate(scenario({}))) == present.KPIS


def test_dscr_axis_stops_at_ten_times_the_covenant() -> None:
    series = pd.DataFrame({"period": ["2026", "2027"], "order": [0, 1], "dscr": [1.0, 500.0]})
    assert deal_charts.top(1.2, series) == pytest.approx(12.0)
    assert deal_charts.cut(series, 1.2)
    assert deal_charts.top(1.2, series.iloc[:1]) == pytest.approx(3.0)


def test_monthly_dscr_is_a_line_with_points_and_the_covenant() -> None:
    series = pd.DataFrame({"period": ["2025-05", "2025-06", "2025-07"], "order": [1, 2, 3], "dscr": [5.2, 0.87, 1.4]})
    spec = deal_charts.dscr(series, "month", 1.3, "zh").to_dict()
    kinds = [layer["mark"]["type"] for layer in spec["layer"]]
    assert kinds == ["line", "point", "rule", "text"]
    points = spec["datasets"][spec["layer"][1]["data"]["name"]]
    assert [p["status"] for p in points] == [i18n.t(k, "zh") for k in ("dscr_above", "dscr_below", "dscr_above")]
    rule = spec["datasets"][spec["layer"][2]["data"]["name"]]
    assert rule == [{"y": 1.3, "text": i18n.t("dscr_covenant", "zh", x="1.3")}]
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0.0, pytest.approx(5.2 * 1.15)]
