"""The exported workbook is live and equals the engine.

Proof by recalculation: workbooks for the seed, every preset, random valid scenarios and edge cases
(never pays back, loan and tax, no revenue, a one-month horizon, a 360-month horizon ...) are
recalculated by LibreOffice in one headless run; every KPI on the Summary sheet, every named
per-scenario value and every monthly line of the Heavy and Light sheets must equal
``model.evaluate`` to 1e-9 relative (with an absolute floor of 1e-12 × the line's largest value, for
entries such as a cumulative cash flow that cancel to near zero). What-if workbooks — an input cell
changed with openpyxl, as an analyst would in Excel — must equal the engine's changed scenario.

Structure tests (no LibreOffice) check the FAST layout: one formula per row, no constants inside
formulas, only functions both Excel and LibreOffice compute, data validation from the schema, number
formats, frozen panes, print setup, charts, and that user text never becomes a formula.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils.escape import unescape

from finmodel import model, schema, workbook
from finmodel.model import engine, expr, irr, tables
from finmodel.workbook import irr_solver

from . import conftest_lo
from .conftest import PRESETS, SEED_FILE, random_scenario
from .conftest_lo import displayed_text, recalculate
from .test_excel_irr import IRR_ROWS, irr_row, targets

REL = 1e-9
FLOOR = 1e-12
TEXTS = {"payback_months": "never", "discounted_payback_months": "never", "irr": "none", "project_irr": "none"}

INJECTIONS = ["=1+2", "+1+2", "-1+2", "@SUM(1,2)", "\t=1+2", "\r=1+2", "=HYPERLINK(\"http://x\",\"y\")"]


# --------------------------------------------------------------------------- the cases
@dataclass
class Case:
    """A workbook to recalculate and the scenario the engine must reproduce from it."""

    id: str
    scenario: schema.Scenario  # what the workbook is exported from
    expected: schema.Scenario  # what the recalculated workbook must equal
    edits: dict[str, Any] = field(default_factory=dict)  # defined name → new cell value (what-if)


def _twin(cid: str, s: schema.Scenario) -> Case:
    """A case whose workbook must equal the scenario it is exported from."""
    return Case(cid, s, s)


def _seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


def _edge_cases() -> list[Case]:
    seed = _seed()
    h800 = schema.load(next(p for p in PRESETS if p.name.startswith("h800")))
    cases = [
        _twin("never-pays-back", seed.replace({"heavy.price_cny_per_card_hour": 2.0,
                                                      "light.buy_price_cny_per_p_year": 2e6,
                                                      "light.platform_investment_cny": 1e6})),
        _twin("loan-and-tax", h800.replace({"heavy.loan_share_of_capex": 0.8, "general.tax_rate": 0.25,
                                                  "heavy.loan_term_months": 48, "heavy.loan_rate_per_year": 0.07,
                                                  "heavy.depreciation_method": "declining_balance"})),
        _twin("interest-free-loan", seed.replace({"heavy.loan_share_of_capex": 1.0,
                                                        "heavy.loan_rate_per_year": 0.0,
                                                        "heavy.loan_term_months": 100})),
        _twin("no-revenue", seed.replace({"heavy.occupancy": 0.0, "light.occupancy": 0.0})),
        _twin("one-month", h800.replace({"general.horizon_months": 1})),
        _twin("lead-time-beyond-horizon", h800.replace({"general.horizon_months": 6,
                                                             "heavy.lead_time_months": 9})),
        _twin("light-overrides", seed.replace({"light.p_per_server_override": 2.5,
                                                     "light.price_cny_per_card_hour": 30.0,
                                                     "light.platform_investment_cny": 2e6,
                                                     "light.platform_fixed_cost_cny_per_month": 5e4,
                                                     "general.tax_rate": 0.25})),
        _twin("light-p-year", h800.replace({"light.sell_price_basis": "p_year",
                                                  "light.sell_price_cny_per_p_year": 250_000.0,
                                                  "light.price_change_per_year": -0.15})),
        _twin("long-horizon", h800.replace({"general.horizon_months": 360, "heavy.loan_term_months": 120,
                                                  "heavy.depreciation_life_years": 8})),
    ]
    cases += _issue11_cases(seed, h800)
    # IRRs Excel's own IRR() could not reproduce: deeply loss-making (below −5 %/month) and several roots
    cases += [Case(cid, s, s) for cid, (s, *_) in targets().items()]  # tests/test_excel_irr.py
    injected = seed.to_dict()
    injected.update(name="=1+2", description="+SUM(1,2)\n@A1")
    injected["sources"] = {**seed.sources, "heavy.pue": "-1+2", "heavy.occupancy": "=HYPERLINK(\"x\",\"y\")",
                           "heavy.staff_cny_per_month": "@SUM(1,2)"}
    inj = schema.validate(injected)
    cases.append(Case("user-text-injection", inj, inj))
    # what-if: an analyst edits input cells; the recalculated workbook equals the edited scenario
    cases += [
        Case("what-if-price", seed, seed.replace({"heavy.price_cny_per_card_hour": 30.0}),
             {"heavy_price_cny_per_card_hour": 30.0}),
        Case("what-if-occupancy-billing", h800,
             h800.replace({"heavy.occupancy": 0.7, "heavy.billing_mode": "annual", "light.occupancy": 0.95}),
             {"heavy_occupancy": 0.7, "heavy_billing_mode": "annual", "light_occupancy": 0.95}),
        Case("what-if-optional-set", seed, seed.replace({"light.p_per_server_override": 2.5}),
             {"light_p_per_server_override": 2.5}),
        Case("what-if-shorter-horizon", h800, h800.replace({"general.horizon_months": 36}),
             {"general_horizon_months": 36}),
    ]
    return cases


def _issue11_cases(seed: schema.Scenario, h800: schema.Scenario) -> list[Case]:
    """Issue 11's definitions: every depreciation and terminal-value method with a loan and tax (the
    book-value and debt checks must hold for each), a balloon at the horizon, the catalogue (GPU and
    precision choices, written overrides), a break-even above 100 %, and the what-ifs an analyst makes:
    another GPU in the dropdown, the cash-cost switch."""
    levered = {"heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84, "general.tax_rate": 0.25}
    costed = {"heavy.cash_cost_method": "bottom_up", "heavy.energy_method": "metered"}
    cases = [_twin(f"depreciation-{m}", seed.replace({**levered, "heavy.depreciation_method": m,
                                                             "heavy.depreciation_life_years": 4,
                                                             "heavy.salvage_fraction": 0.1}))
             for m in ("double_declining", "sum_of_years", "declining_balance_monthly")]
    cases += [
        _twin("terminal-resale-fraction", seed.replace({  # a loss on disposal
            **levered, "heavy.terminal_value_method": "resale_fraction", "heavy.resale_fraction_of_capex": 0.05})),
        _twin("terminal-resale-decline", h800.replace({
            "general.tax_rate": 0.25, "heavy.terminal_value_method": "resale_decline",
            "heavy.resale_decline_per_year": 0.2})),
        _twin("balloon-and-wacc", seed.replace({**levered, "general.project_discount_rate_per_year": 0.06})),
        _twin("catalogue-h800", seed.replace({**costed, "heavy.gpu": "H800-SXM"})),
        _twin("catalogue-light-fp8-override", seed.replace({"light.gpu": "H100-SXM", "light.precision": "FP8",
                                                                  "heavy.power_kw_per_server": 7.0, **costed})),
        _twin("light-unattainable", seed.replace({
            "light.buy_price_cny_per_p_year": 7e5, "light.price_change_per_year": -0.1, "light.buy_term_months": 30,
            "light.after_buy_term": "drop"})),
        # picking H800 in the dropdown changes the TFLOPS per card and the server power live
        Case("what-if-gpu", seed.replace(costed), seed.replace({**costed, "heavy.gpu": "H800-SXM"}),
             {"heavy_gpu": "H800-SXM"}),
        Case("what-if-cash-cost-method", seed, seed.replace({"heavy.cash_cost_method": "bottom_up"}),
             {"heavy_cash_cost_method": "bottom_up"}),
    ]
    return cases


def _cases() -> list[Case]:
    cases = [Case(p.stem, s, s) for p in PRESETS for s in [schema.load(p)]]
    rng = np.random.default_rng(20241123)
    for i in range(24):
        s = random_scenario(rng, horizon=int(rng.choice([12, 24, 36, 60, 61, 84, 120])) if i % 3 else None)
        cases.append(Case(f"random-{i:02d}", s, s))
    return cases + _edge_cases()


CASES = _cases()


def _apply_edits(data: bytes, edits: dict[str, Any]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name, value in edits.items():
        named_cell(wb, name).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="session")
def recalculated_files(tmp_path_factory) -> dict[str, Path]:
    """Every case exported (and edited), recalculated by LibreOffice in one run."""
    work = tmp_path_factory.mktemp("lo")
    files = {}
    for case in CASES:
        data = workbook.workbook_bytes(case.scenario, sensitivity=False)
        if case.edits:
            data = _apply_edits(data, case.edits)
        path = work / f"{case.id}.xlsx"
        path.write_bytes(data)
        files[case.id] = path
    out = recalculate(list(files.values()), work)
    return {cid: out[p] for cid, p in files.items()}


@pytest.fixture(scope="session")
def recalculated(recalculated_files) -> dict[str, openpyxl.Workbook]:
    """The recalculated workbooks, read with their computed values."""
    return {cid: openpyxl.load_workbook(p, data_only=True) for cid, p in recalculated_files.items()}


# --------------------------------------------------------------------------- comparing
def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _close(got: float, want: float, scale: float) -> bool:
    return abs(got - want) <= REL * abs(want) + FLOOR * scale


def named_cell(wb: openpyxl.Workbook, name: str) -> Cell:
    """The one cell a defined name points at."""
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    c = wb[sheet][ref.replace("$", "")]
    assert isinstance(c, Cell), (name, ref)
    return c


def _named(wb: openpyxl.Workbook, name: str) -> Any:
    return named_cell(wb, name).value


def _rows_by_key(ws) -> dict[str, int]:
    return {ws.cell(r, workbook.COL_KEY).value: r for r in range(workbook.MONTH_ROW + 1, ws.max_row + 1)
            if ws.cell(r, workbook.COL_KEY).value}


def _money_scale(monthly) -> float:
    return float(np.nanmax(np.abs(monthly.to_numpy(dtype=float)))) or 1.0


def _nan_texts(item: engine.Item) -> set[str]:
    """The texts a NaN of ``item`` may read as in the workbook: its ``nan_means`` ("" too for n/a), and
    "n/a" where its ``na_when`` flag can say so (issue 11)."""
    texts = {TEXTS.get(item.key, item.nan_means)} | ({""} if item.nan_means == "n/a" else set())
    return texts | ({"n/a"} if item.na_when else set())


def _check_scalar(model_name: str, key: str, got: Any, want: float, scale: float, where: str) -> list[str]:
    it = next(i for i in workbook.MODELS[model_name][1] + workbook.MODELS[model_name][2] if i.key == key)
    if isinstance(got, str) or got is None:
        if math.isnan(want):
            allowed = _nan_texts(it)
            return [] if (got or "") in allowed else [f"{where} {model_name}.{key}: text {got!r}, expected {allowed}"]
        return [f"{where} {model_name}.{key}: workbook {got!r}, engine {want!r}"]
    if math.isnan(want):
        return [f"{where} {model_name}.{key}: workbook {got!r}, engine NaN"]
    fmt = it.fmt
    s = scale if fmt in ("cny", "cny_per_p_year") else 1.0
    if not _close(float(got), want, s):
        return [f"{where} {model_name}.{key}: workbook {got!r}, engine {want!r} (diff {float(got) - want:.3g})"]
    return []


def compare(wb: openpyxl.Workbook, s: schema.Scenario) -> list[str]:
    """Every named value, Summary KPI and monthly line of a recalculated workbook vs the engine."""
    r = model.evaluate(s)
    h = s.general.horizon_months
    bad: list[str] = []
    for name, (sheet, items, results) in workbook.MODELS.items():
        kpis, monthly = getattr(r, name), getattr(r, name + "_monthly")
        scale = _money_scale(monthly)
        for it in items + results:
            if it.kind == "scalar":
                bad += _check_scalar(name, it.key, _named(wb, workbook.calc_name(name, it.key)), kpis[it.key], scale,
                                     "named")
        ws = wb[sheet]
        rows = _rows_by_key(ws)
        for it in items:
            if it.kind != "row":
                continue
            want = monthly[it.key].to_numpy(dtype=float)
            got = np.array([_num(ws.cell(rows[it.key], workbook.COL_MONTH0 + j).value) for j in range(h + 1)])
            line_scale = float(np.nanmax(np.abs(want))) if np.isfinite(want).any() else 0.0
            if "CNY" in it.unit:  # money rows: the model's money floor, as for scalars (a balance that is 0 in exact
                line_scale = max(line_scale, scale)  # arithmetic may recalculate as ±3e-11 CNY); ratios keep their own
            ok = np.where(np.isnan(want), np.isnan(got),
                          np.abs(got - want) <= REL * np.abs(np.nan_to_num(want)) + FLOOR * line_scale)
            if not ok.all():
                j = int(np.flatnonzero(~ok)[0])
                bad.append(f"{sheet}!{it.key} month {j}: workbook {got[j]!r}, engine {want[j]!r}")
            if it.flow:
                total = _num(ws.cell(rows[it.key], workbook.COL_VALUE).value)
                if not _close(total, float(np.nansum(want)), scale):
                    bad.append(f"{sheet}!{it.key} total: workbook {total!r}, engine {np.nansum(want)!r}")
    summary = wb[workbook.SUMMARY]
    for row in range(1, summary.max_row + 1):
        tag = summary.cell(row, 6).value
        if isinstance(tag, str) and "." in tag:
            name, key = tag.split(".", 1)
            scale = _money_scale(getattr(r, name + "_monthly"))
            bad += _check_scalar(name, key, summary.cell(row, 3).value, getattr(r, name)[key], scale, "Summary")
    return bad


def failing_checks(wb: openpyxl.Workbook) -> set[str]:
    """The checks (``check_<key>`` names) whose recalculated pass cell is not 1."""
    return {name.removeprefix("check_") for name in wb.defined_names if name.startswith("check_")
            and _named(wb, name) != 1}


def _errors(wb: openpyxl.Workbook) -> list[str]:
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("#") and c.value.endswith(("!", "?", "A")):
                    out.append(f"{ws.title}!{c.coordinate}={c.value}")
    return out


# --------------------------------------------------------------------------- recalculation tests
@pytest.mark.lo
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_recalculated_workbook_equals_engine(case: Case, recalculated):
    wb = recalculated[case.id]
    assert compare(wb, case.expected) == []
    assert failing_checks(wb) == set() and _named(wb, workbook.CHECKS_OK) == 1  # issue 13: the control layer
    assert unexpected_errors(wb, model.evaluate(case.expected)) == []


def unexpected_errors(wb: openpyxl.Workbook, r: model.Result) -> list[str]:
    """Error cells of a recalculated workbook but the Summary's payback chart cells of a model whose
    payback is never reached."""
    ws = wb[workbook.SUMMARY]
    allowed = {f"Summary!{col}{row}" for row in range(1, ws.max_row + 1) for col in "CD"
               for m in workbook.MODELS
               if ws.cell(row, 6).value == f"chart:{m}_payback" and math.isnan(getattr(r, m)["payback_months"])}
    return [e for e in _errors(wb) if e.split("=")[0] not in allowed]


def test_cases_cover_the_hard_paths():
    """The random and edge cases reach never-paid-back, loans with tax, no IRR, n/a margins."""
    results = [model.evaluate(c.expected) for c in CASES]
    assert any(math.isnan(r.heavy["payback_months"]) for r in results)
    assert any(math.isnan(r.light["payback_months"]) for r in results)
    assert any(c.expected.heavy.loan_share_of_capex > 0 and c.expected.general.tax_rate > 0
               and r.heavy["total_tax_cny"] > 0 and r.heavy["total_interest_cny"] > 0
               for c, r in zip(CASES, results, strict=True))
    assert any(math.isnan(r.heavy["gross_margin"]) for r in results)
    assert any(math.isfinite(r.heavy["irr"]) and r.heavy["irr"] < 0 for r in results)
    assert sum(c.id.startswith("random") for c in CASES) >= 20


def _workbook_irr(cf: np.ndarray) -> float:
    """The IRR solver sheet's algorithm in numpy (workbook.irr_solver.IrrSolver): NPV on the fine grid, the nearest
    sign change on each side of zero, 60 bisections, the root closer to zero."""
    g = irr.grid_rates(cf.size)
    t = np.arange(cf.size)
    f = lambda rate: float(np.sum(cf * (1 + rate) ** -t))  # noqa: E731
    nonneg = np.array([f(x) >= 0 for x in g])
    flags = np.flatnonzero(nonneg[1:] != nonneg[:-1])  # 0-based i of [g_i, g_i+1]
    zero = int(np.flatnonzero(g == 0)[0])
    roots = []
    below, above = flags[flags < zero], flags[flags >= zero]
    for k in (below[-1] if below.size else None, above[0] if above.size else None):
        if k is None:
            roots.append(math.nan)
            continue
        lo, hi, sign = g[k], g[k + 1], nonneg[k]
        for _ in range(irr_solver.IRR_BISECTION_STEPS):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if (f(mid) >= 0) == sign else (lo, mid)
        roots.append((lo + hi) / 2)
    below, above = roots
    if math.isnan(below) or (not math.isnan(above) and not abs(below) < abs(above)):
        return above
    return below


def test_workbook_irr_method_equals_the_engine():
    """The solver sheet always uses the fine grid; for flows changing sign once (the engine's coarse
    grid) the root is unique, so both find it. Checked on the IRR rows of every case and random rows."""
    rows = []
    for c in CASES:
        r = model.evaluate(c.expected)
        rows += [irr_row(r, m, k) for m, k in IRR_ROWS]
    rng = np.random.default_rng(5)
    for n in (2, 13, 37, 61, 121):
        for _ in range(40):
            cf = rng.normal(size=n) * rng.choice([1, 1e6])
            cf[0] = -abs(cf[0]) * rng.uniform(1, 30)
            rows.append(cf if rng.uniform() < 0.5 else np.concatenate([cf[:1], np.abs(cf[1:])]))
    singles = 0
    for cf in rows:
        want, got = float(irr.irr(cf)), _workbook_irr(cf)
        assert (math.isnan(want) and math.isnan(got)) or abs(got - want) <= 1e-12 * max(1.0, abs(want)), (cf, want, got)
        singles += irr.sign_changes(cf) == 1 and math.isfinite(want)
    assert singles > 100 and len(rows) - singles > 100


def test_summary_irr_reads_the_solver_sheet(seed_book):
    _, wb = seed_book
    ws = wb[workbook.IRR_SOLVER]
    for (m, key), row_key in IRR_ROWS.items():
        ((sheet, ref),) = list(wb.defined_names[workbook.calc_name(m, key)].destinations)
        rr = expr.RowRange(workbook.MODELS[m][0], _rows_by_key(wb[workbook.MODELS[m][0]])[row_key], "G", "H", "X")
        name = expr.irr_root_name(rr)
        assert name in wb[sheet][ref.replace("$", "")].value and "IRR(" not in wb[sheet][ref.replace("$", "")].value
        ((solver_sheet, cell),) = list(wb.defined_names[name].destinations)
        assert solver_sheet == workbook.IRR_SOLVER
    rates = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)
             and isinstance(ws.cell(r, 2).value, (int, float))]
    assert rates == irr.grid_rates(_seed().general.horizon_months + 1).tolist()  # data cells, from finmodel.model.irr
    assert ws.protection.sheet


@pytest.mark.lo
def test_solver_cross_check_agrees_with_excel_irr(recalculated):
    """The visible cross-check, Excel's IRR(row, root), agrees with the solver's root."""
    checked = 0
    for wb in recalculated.values():
        ws = wb[workbook.IRR_SOLVER]
        labels = {ws.cell(r, 2).value: r for r in range(1, 20)}
        r_root, r_check = labels["IRR per month: the root closer to zero"], next(
            r for t, r in labels.items() if isinstance(t, str) and t.startswith("Cross-check"))
        for col in range(3, ws.max_column + 1):
            root, check = ws.cell(r_root, col).value, ws.cell(r_check, col).value
            if root is None:
                continue
            if isinstance(root, str):
                assert root == check == "none"
            else:
                assert abs(check - root) <= 1e-9 * max(1.0, abs(root)), (root, check)
                checked += 1
    assert checked > 50


@pytest.mark.lo
def test_user_text_stays_text_after_recalculation(recalculated):
    wb = recalculated["user-text-injection"]
    assert _named(wb, "scenario_name") == "=1+2"
    assert _named(wb, "scenario_description") == "+SUM(1,2)\n@A1"
    assert wb[workbook.SUMMARY]["A2"].value == "=1+2"  # =scenario_name shows the text, not 3
    ws = wb["Inputs"]
    texts = [c.value for row in ws.iter_rows(min_col=7, max_col=7) for c in row]  # the Source column
    assert "-1+2" in texts and "=HYPERLINK(\"x\",\"y\")" in texts and "@SUM(1,2)" in texts


@pytest.mark.lo
def test_what_if_really_changes_results(recalculated):
    """The edited workbooks differ from the unedited ones: the sheet is live, not pasted values."""
    base, edited = recalculated["seed_fs2024"], recalculated["what-if-price"]
    a, b = (_named(w, workbook.calc_name("heavy", "payback_months")) for w in (base, edited))
    assert b < a


@pytest.mark.lo
@pytest.mark.parametrize("cid", ["seed_fs2024", "what-if-price", "what-if-occupancy-billing", "what-if-optional-set",
                                 "user-text-injection", "random-00", "random-01"])
def test_workbook_saved_by_libreoffice_imports(cid, recalculated_files):
    """An analyst's round trip: open in LibreOffice, save, `finmodel import` — the expected scenario."""
    case = next(c for c in CASES if c.id == cid)
    back = workbook.read_workbook(recalculated_files[cid])
    want = case.expected
    for path in schema.FIELDS:
        a, b = back.get(path), want.get(path)
        assert a == b or math.isclose(a, b, rel_tol=1e-14), (path, a, b)  # LibreOffice saves 15 digits
    assert (back.name, back.description, back.sources) == (want.name, want.description, want.sources)


@pytest.mark.lo
def test_formats_display_as_labelled_in_libreoffice(tmp_path):
    """¥ with thousands separators, 万 with one decimal and separators (CNY ÷ cny_per_wan), percent,
    never; money inputs without .00, per-unit prices with fen, the monthly loan rate as %."""
    s = schema.load(next(p for p in PRESETS if p.name.startswith("h800")))
    f = tmp_path / "h800.xlsx"
    f.write_bytes(workbook.workbook_bytes(s, sensitivity=False))
    sheets = displayed_text(f, tmp_path)
    shown = sheets["Summary"]
    inputs = {row[7]: row[2] for row in sheets["Inputs"] if len(row) > 7 and row[7] in schema.FIELDS}
    assert inputs["heavy.server_price_cny"] == f"¥{s.heavy.server_price_cny:,.0f}"  # no .00
    assert inputs["heavy.price_cny_per_card_hour"] == f"¥{s.heavy.price_cny_per_card_hour:,.2f}"
    heavy = {row[3]: row[4] for row in sheets["Heavy"] if len(row) > 4}
    assert heavy["loan_rate_per_month"] == f"{s.heavy.loan_rate_per_year / 12 * 100:.4f}%"
    assert heavy["life_months"] == f"{s.heavy.depreciation_life_years * 12}"  # no .00
    r = model.evaluate(s)
    checked = 0
    for row in shown:
        if len(row) < 6 or "." not in row[5] or row[5].startswith("chart:"):
            continue
        name, key = row[5].split(".", 1)
        v, it = getattr(r, name)[key], model.item(name, key)
        if it.fmt in ("cny", "cny_per_p_year"):
            assert row[2] == ("-" if v < 0 else "") + f"¥{abs(v):,.0f}", (key, row)
            assert row[3] == ("-" if v < 0 else "") + f"{abs(v) / 1e4:,.1f}万", (key, row)
            checked += 1
        elif it.fmt == "frac" and math.isfinite(v):
            assert row[2] == f"{v * 100:.1f}%", (key, row)
        elif it.fmt == "months":
            assert row[2] == ("never" if math.isnan(v) else f"{v:.1f}"), (key, row)
    assert checked > 20


def test_missing_soffice_fails_in_ci_and_skips_elsewhere(monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        conftest_lo.soffice()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        conftest_lo.soffice()


# --------------------------------------------------------------------------- structure tests (no LibreOffice)
@pytest.fixture(scope="module")
def seed_book() -> tuple[bytes, openpyxl.Workbook]:
    data = workbook.workbook_bytes(_seed(), sensitivity=False)
    return data, openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_and_names(seed_book):
    _, wb = seed_book
    assert wb.sheetnames == [workbook.COVER, "Inputs", workbook.CATALOGUE, workbook.HEAVY, workbook.LIGHT,
                             workbook.SUMMARY, workbook.ANNUAL, workbook.INCOME, workbook.CASH_FLOW, workbook.BALANCE,
                             workbook.DEBT, workbook.CHECKS, workbook.IRR_SOLVER, workbook.DEFINITIONS]
    names = set(wb.defined_names)
    for path in schema.FIELDS:
        assert engine.name_of(path) in names, path
    for c in expr.UNIT_CONSTANTS:
        assert c.name in names
    for t in tables.TABLES:  # the catalogue's ranges (INDEX/MATCH), not one name per cell
        assert {t.name, t.name + "_rows", t.name + "_cols"} <= names
    assert not {c.name for c in tables.CONSTANTS} & names
    for m, (_, items, results) in workbook.MODELS.items():
        for it in items + results:
            if it.kind == "scalar":
                assert workbook.calc_name(m, it.key) in names
    inputs = {engine.name_of(p) for p in schema.FIELDS}
    assert not {n for n in names if n.startswith("calc_")} & inputs
    assert wb.calculation.fullCalcOnLoad


def _formulas(wb: openpyxl.Workbook) -> list[tuple[str, str, str]]:
    return [(ws.title, c.coordinate, str(c.value)) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


_REF = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w(])")


def _relative(formula: str, col: int) -> str:
    """A formula with relative column letters replaced by offsets (R1C1-like)."""
    from openpyxl.utils import column_index_from_string

    def sub(m: re.Match) -> str:
        if m.group(1):
            return m.group(0)
        return f"C[{column_index_from_string(m.group(2)) - col}]{m.group(3)}{m.group(4)}"

    return _REF.sub(sub, formula)


def test_one_formula_per_timeline_row(seed_book):
    _, wb = seed_book
    h = _seed().general.horizon_months
    for sheet in (workbook.HEAVY, workbook.LIGHT):
        ws = wb[sheet]
        for key, r in _rows_by_key(ws).items():
            if ws.cell(r, workbook.COL_MONTH0).data_type != "f":
                continue  # a per-scenario value (column E only)
            m0 = workbook.COL_MONTH0
            forms = {_relative(ws.cell(r, m0 + j).value, m0 + j) for j in range(h + 1)}
            assert len(forms) == 1, (sheet, key, sorted(forms)[:2])
            assert ws.cell(r, workbook.COL_OPENING).value == 0


def test_every_timeline_row_matches_its_engine_item(seed_book):
    _, wb = seed_book
    for name, (sheet, items, _) in workbook.MODELS.items():
        keys = _rows_by_key(wb[sheet])
        assert set(keys) == {i.key for i in items}, name


# Functions both Excel (2010+) and LibreOffice 7.4 compute; no XLOOKUP, LET, dynamic arrays.
PORTABLE = {"IF", "AND", "OR", "MAX", "MIN", "INT", "ISBLANK", "ISNUMBER", "ISNA", "SUM", "SUMIF", "SUMPRODUCT",
            "COUNT", "COLUMN", "COLUMNS", "INDEX", "MATCH", "EXACT", "NPV", "IRR", "IFERROR", "NA", "ABS", "AVERAGE",
            "SUMIFS", "COUNTIFS", "DATE"}  # the Annual sheet's roll-up and the statements' period row (Excel 2007+)


def test_only_portable_functions_and_no_constants(seed_book):
    _, wb = seed_book
    forms = _formulas(wb)
    assert len(forms) > 4000
    for sheet, coord, f in forms:
        funcs = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", f)))
        assert funcs <= PORTABLE, (sheet, coord, funcs - PORTABLE)
        bare = re.sub(r'"[^"]*"', "", f)
        bare = re.sub(r"[A-Za-z_][A-Za-z_0-9.]*!?", "", bare.replace("$", ""))
        numbers = set(re.findall(r"\d+(?:\.\d+)?", bare))
        assert numbers <= {"0", "1"}, (sheet, coord, f, numbers)


def test_npv_timing_is_excel_safe(seed_book):
    """Excel's NPV() discounts its first argument: month 0 must be added outside it."""
    _, wb = seed_book
    cell = wb.defined_names[workbook.calc_name("heavy", "npv_cny")]
    ((sheet, ref),) = list(cell.destinations)
    f = wb[sheet][ref.replace("$", "")].value
    m = re.search(r"NPV\([^,]+(?:\([^)]*\))*[^,]*,Heavy!\$(\w+)\$(\d+):\$(\w+)\$\d+\)\+Heavy!\$(\w+)\$(\d+)", f)
    assert m, f
    assert m.group(1) == "H" and m.group(4) == "G" and m.group(2) == m.group(5)  # months 1..H, then + month 0


def test_inputs_have_validation_and_style(seed_book):
    _, wb = seed_book
    ws = wb["Inputs"]
    dv_by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for rng_ in dv.sqref.ranges:
            dv_by_cell[rng_.coord] = dv
    for path, spec in schema.FIELDS.items():
        listed = spec.kind == "list"  # issue 12's price index: a block of cells, the first named ``…_1``
        ((_, ref),) = list(wb.defined_names[engine.name_of(path) + ("_1" if listed else "")].destinations)
        coord = ref.replace("$", "")
        cell = ws[coord]
        assert cell.fill.fgColor.rgb.endswith("FFF2CC") and cell.protection.locked is False, path
        dv = dv_by_cell[coord]
        assert dv.showErrorMessage and dv.allow_blank == (spec.optional or listed), path
        if path in ("heavy.gpu", "light.gpu", "light.precision"):  # the Catalogue sheet's keys: one list
            keys = "catalogue_gpu_tflops_" + ("cols" if path == "light.precision" else "rows")
            assert dv.type == "list" and dv.formula1 == keys, path
            ((_, keys_ref),) = list(wb.defined_names[keys].destinations)
            assert tuple(c.value for row in wb["Catalogue"][keys_ref.replace("$", "")] for c in row) == spec.choices
        elif spec.kind == "choice":
            assert dv.type == "list" and dv.formula1 == '"' + ",".join(spec.choices) + '"'
        elif spec.kind == "int":
            assert dv.type == "whole"
        elif spec.gt is not None:
            assert dv.type == "custom" and f"{coord}>" in dv.formula1
        else:
            assert dv.type == "decimal" and float(dv.formula1) == spec.ge
            if spec.le is not None:
                assert float(dv.formula2) == spec.le
    horizon = dv_by_cell[next(iter(wb.defined_names["general_horizon_months"].destinations))[1].replace("$", "")]
    assert float(horizon.formula2) == _seed().general.horizon_months  # can only shorten the exported timeline
    assert ws.protection.sheet


def test_number_formats_panes_and_print_setup(seed_book):
    _, wb = seed_book
    heavy = wb[workbook.HEAVY]
    assert heavy.freeze_panes == "G6"
    rows = _rows_by_key(heavy)
    assert heavy.cell(rows["revenue_cny"], workbook.COL_MONTH0 + 1).number_format == workbook.CNY
    assert heavy.cell(rows["occupancy"], workbook.COL_MONTH0 + 1).number_format == "0.0%"
    assert heavy.page_setup.orientation == "landscape" and heavy.print_title_rows == "$4:$5"
    summary = wb[workbook.SUMMARY]
    wan = [c for c in summary["D"] if c.data_type == "f" and c.value == f"=C{c.row}/cny_per_wan"]
    assert wan and all(c.number_format == workbook.WAN for c in wan)
    assert '#,##0.0"万"' in workbook.WAN  # 万元 = CNY ÷ cny_per_wan, shown with thousands separators
    assert summary.freeze_panes and wb["Inputs"].freeze_panes
    assert heavy.column_dimensions["D"].hidden  # the key column, for auditors who unhide it


def test_native_charts(seed_book):
    data, _ = seed_book
    zf = zipfile.ZipFile(io.BytesIO(data))
    charts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
    assert len(charts) == 4
    xml = "".join(zf.read(n).decode() for n in charts)
    assert "scatterChart" in xml and "barChart" in xml
    assert "'Heavy'!$G$5:$BO$5" in xml and "'Light'!$G$5:$BO$5" in xml  # months 0..60 on the x axis
    assert "'Summary'!$C$" in xml  # the payback point


def test_user_text_never_becomes_a_formula():
    seed = _seed()
    data = seed.to_dict()
    data["name"] = INJECTIONS[0]
    data["description"] = INJECTIONS[1]
    data["sources"] = {f"heavy.{f}": t for f, t in zip(["pue", "occupancy", "servers", "gpu", "parts_cost_cny"],
                                                       INJECTIONS[2:], strict=False)}
    s = schema.validate(data)
    raw = workbook.workbook_bytes(s, sensitivity=False)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    texts = {unescape(c.value): c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and unescape(c.value) in INJECTIONS}
    assert set(texts) >= set(INJECTIONS[:2]) | set(s.sources.values())
    for text, c in texts.items():
        assert c.data_type == "s", text
        assert c.quotePrefix, text
    sheet_xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet2.xml").decode()
    assert "<f>1+2</f>" not in sheet_xml and "<f>SUM(1,2)</f>" not in sheet_xml
    assert workbook.read_workbook(raw) == s  # and the text survives unchanged


def test_any_text_round_trips_exactly():
    """Control characters (CR, NUL ...) are stored as OOXML _xHHHH_ escapes, literal escapes protected."""
    text = "a\rb\x00c\x1fd\te\nf _x000D_ g _x005F_ h"
    assert workbook.cell_text("=1+2") == "=1+2"  # kept: the cell type makes it inert
    assert "\r" not in workbook.cell_text(text)
    s = _seed()
    s = schema.validate({**s.to_dict(), "name": text, "description": text,
                              "sources": {"heavy.pue": text, "heavy.servers": text}})
    assert workbook.read_workbook(workbook.workbook_bytes(s, sensitivity=False)) == s


@pytest.mark.parametrize(("name", "expected"), [
    ("Seed FS2024: 8×A100 heavy vs light asset", "Seed_FS2024_8_A100_heavy_vs_light_asset.xlsx"),
    ("../../etc/passwd", "etc_passwd.xlsx"),
    ("华东 集群 #1", "华东_集群_1.xlsx"),
    ("CON", "scenario.xlsx"),
    ("...", "scenario.xlsx"),
])
def test_safe_filename(name, expected):
    assert workbook.safe_filename(name) == expected


def test_write_workbook_is_atomic(tmp_path):
    target = tmp_path / "out" / "seed.xlsx"
    target.parent.mkdir()  # atomic writes refuse a missing directory
    p = workbook.write_workbook(_seed(), target, sensitivity=False)
    assert p == target and zipfile.is_zipfile(p)
    assert sorted(x.name for x in target.parent.iterdir()) == ["seed.xlsx"]  # no temporary left behind


def test_workbook_bytes_is_fast_enough_for_a_download_button():
    import time

    s = _seed().replace({"general.horizon_months": 120})
    t0 = time.perf_counter()
    workbook.workbook_bytes(s, sensitivity=False)
    assert time.perf_counter() - t0 < 5  # benchmarks/workbook.py measures it; the target is ≤ 1 s


def test_default_horizon_layout_columns():
    """Months 0, 1 and H sit in columns G, H and G+H on both timeline sheets."""
    s = _seed()
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(s, sensitivity=False)))
    for sheet in (workbook.HEAVY, workbook.LIGHT):
        ws = wb[sheet]
        assert ws["G5"].value == 0 and ws["H5"].value == 1
        assert ws.cell(workbook.MONTH_ROW, workbook.COL_MONTH0 + s.general.horizon_months).value == 60


# --------------------------------------------------------------------------- Sensitivity sheet
def _result_value(v: Any) -> float:
    return math.nan if isinstance(v, str) and v in ("never", "none", "n/a") else (
        math.inf if v == "∞" else float(v))


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


def test_sensitivity_sheet_holds_engine_values_marked_as_such():
    from finmodel.analysis import sensitivity

    s = schema.load(next(p for p in PRESETS if p.name.startswith("h800")))
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(s)))
    assert wb.sheetnames == list(workbook.SHEETS)
    ws = wb[workbook.SENSITIVITY]
    assert "engine values, not live" in ws["A1"].value and "re-export" in ws["A2"].value
    # values, not formulas — except the STALE banner, which compares the base inputs with the live ones
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"] == ["A3"]
    assert "sensitivity_current" in ws["A3"].value and "STALE" in ws["A3"].value
    text = " ".join(str(c.value) for row in ws.iter_rows(max_row=12) for c in row if c.value is not None)
    assert s.name in text and "-20%" in text and "+20%" in text and workbook.GRID_X in text and "60 months" in text

    # the grid: every cell equals a single evaluation of that price and occupancy
    heads = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value).startswith("Occupancy ↓")]
    assert len(heads) == len(workbook.GRID_METRICS)
    xs, ys = workbook.grid_axes(s)
    results = {(x, y): model.evaluate(s.replace({workbook.GRID_X: x, workbook.GRID_Y: y})) for x in xs for y in ys}
    for head, metric in zip(heads, workbook.GRID_METRICS, strict=True):
        name, key = metric.split(".")
        assert [ws.cell(head, 3 + j).value for j in range(len(xs))] == xs
        for i, y in enumerate(ys):
            assert ws.cell(head + 1 + i, 2).value == y
            for j, x in enumerate(xs):
                got = _result_value(ws.cell(head + 1 + i, 3 + j).value)
                assert _same(got, getattr(results[(x, y)], name)[key]), (metric, x, y)

    # the tornado: the rows of sensitivity.tornado, and a low move re-evaluated by hand
    tor = sensitivity.tornado(s, low=workbook.TORNADO_MOVES[0], high=workbook.TORNADO_MOVES[1])
    rows = [r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 11).value, str)
            and ws.cell(r, 11).value in schema.FIELDS]
    assert len(rows) == len(tor)
    for r, t in zip(rows, tor.to_dict("records"), strict=True):
        assert ws.cell(r, 11).value == t["field"]
        for c, v in ((4, t["base_input"]), (5, t["low_input"]), (6, t["high_input"])):
            assert math.isclose(float(ws.cell(r, c).value), v, rel_tol=1e-15)  # type: ignore[arg-type]  # 16 digits
        for c, v in ((7, t["low_result"]), (8, t["high_result"]), (9, t["base_result"]), (10, t["swing"])):
            assert _same(_result_value(ws.cell(r, c).value), v), (t["field"], t["metric"], c)
    first = tor[tor["metric"] == "heavy.payback_months"].iloc[0]
    moved = model.evaluate(s.replace({first.field: first.low_input})).heavy["payback_months"]
    assert _same(moved, first.low_result)


# Engine-emitted formulas over 200 characters (issue 13 "no formula over 200 characters"): none. The
# long rows were split into helper rows (the CAS depreciation closed forms, the terminal value, energy,
# server power, break-even occupancy) and the catalogue lookup reads the Catalogue cell as it stands
# (its "n/a" text included) without an ISNUMBER guard writing the lookup twice. Every formula the
# workbook writes itself (Checks, Cover, Summary, IRR solver ...) stays <= 200 as well.
LONG_ENGINE_ROWS: set[str] = set()


def test_no_formula_over_200_characters(seed_book):
    """Not one formula in the workbook over 200 characters (engine rows by key, other sheets by cell)."""
    _, wb = seed_book
    long = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" and len(c.value) - 1 > 200:
                    if ws.title in (workbook.HEAVY, workbook.LIGHT):
                        long.add(ws.cell(c.row, workbook.COL_KEY).value)
                    else:
                        long.add(f"{ws.title}!{c.coordinate}")
    assert long == LONG_ENGINE_ROWS, long
