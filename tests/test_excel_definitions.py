"""Issue 11 in the workbook: the catalogue is a sheet the formulas look up, inactive inputs are greyed
live, overrides of the catalogue are marked, an unattainable break-even says so, the platform payback
without a platform investment is n/a, and the settlement items are explained where the figures are.

What a reader sees is checked as LibreOffice shows it after recalculation (its HTML export keeps each
cell's displayed text and its background after conditional formatting): picking H800 in the GPU
dropdown, or switching ``heavy.cash_cost_method``, is an edit of one input cell, then a recalculation.
``tests/test_excel.py`` compares every value of these cases with the engine to 1e-9.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from finmodel import model, schema, workbook
from finmodel.cli.scenario import FOOTNOTE
from finmodel.model import engine, tables
from finmodel.schema import inert
from finmodel.workbook import catalogue
from finmodel.workbook.definitions import DEFINITION_TERMS, SETTLEMENT_NOTE, figure_ref
from finmodel.workbook.inputs import rule_text
from finmodel.workbook.layout import catalogue_uses, plan

from .conftest import PRESETS, SEED_FILE
from .conftest_lo import DisplayedCell, displayed_cells, recalculate
from .test_excel import _named, compare, named_cell

GREY = "#D9D9D9"  # workbook.inputs.FILL_INACTIVE
IN_USE = "#C6EFCE"  # the catalogue value in use


def _seed() -> schema.Scenario:
    return schema.load(SEED_FILE)


_COSTED = {"heavy.cash_cost_method": "bottom_up", "heavy.energy_method": "metered"}
# id → (scenario exported, the input cells edited as an analyst would, the scenario it must then be)
BOOKS: dict[str, tuple[schema.Scenario, dict[str, Any], schema.Scenario]] = {
    "ratio": (_seed(), {}, _seed()),
    "bottom-up": (_seed(), {"heavy_cash_cost_method": "bottom_up"}, _seed().replace({"heavy.cash_cost_method":
                                                                                       "bottom_up"})),
    "gpu-h800": (_seed().replace(_COSTED), {"heavy_gpu": "H800-SXM"},
                 _seed().replace({**_COSTED, "heavy.gpu": "H800-SXM"})),
    "override": (h := schema.load(next(p for p in PRESETS if p.name.startswith("h800"))).replace(
        {"light.tflops_per_card": 312.0}), {}, h),
    "unattainable": (u := _seed().replace({"light.buy_price_cny_per_p_year": 7e5, "light.price_change_per_year": -0.1,
                                           "heavy.loan_share_of_capex": 0.6, "heavy.loan_term_months": 84,
                                           "general.tax_rate": 0.25}), {}, u),
}


def _edit(data: bytes, edits: dict[str, Any]) -> bytes:
    if not edits:
        return data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name, value in edits.items():
        named_cell(wb, name).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


THREE = [schema.load(p) for p in PRESETS[:3]]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("issue11")
    out = {}
    for bid, (s, edits, _) in BOOKS.items():
        out[bid] = work / f"{bid}.xlsx"
        out[bid].write_bytes(_edit(workbook.workbook_bytes(s, sensitivity=False), edits))
    out["three"] = work / "three.xlsx"
    out["three"].write_bytes(workbook.workbook_bytes(THREE, sensitivity=False))
    return out


@pytest.fixture(scope="module")
def shown(files, tmp_path_factory) -> dict[str, dict[str, list[list[DisplayedCell]]]]:
    """Each book as LibreOffice displays it after recalculation (one run)."""
    done = displayed_cells(list(files.values()), tmp_path_factory.mktemp("issue11-html"))
    return {bid: done[p] for bid, p in files.items()}


@pytest.fixture(scope="module")
def recalculated(files, tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    done = recalculate(list(files.values()), tmp_path_factory.mktemp("issue11-xlsx"))
    return {bid: openpyxl.load_workbook(done[p], data_only=True) for bid, p in files.items()}


def _inputs(sheets: dict[str, list[list[DisplayedCell]]]) -> dict[str, tuple[DisplayedCell, DisplayedCell]]:
    """Input path → (its value cell, its status cell) as displayed (one scenario: columns C and D)."""
    out: dict[str, tuple[DisplayedCell, DisplayedCell]] = {}
    for row in sheets["Inputs"]:  # the inputs' rows come first (the rules table below names fields too)
        path = next((c.text for c in row if c.text in schema.FIELDS), None)
        if path is not None and len(row) > 3:
            out.setdefault(path, (row[2], row[3]))
    return out


def _tflops_rows(sheets: dict[str, list[list[DisplayedCell]]]) -> dict[str, list[DisplayedCell]]:
    """The TFLOPS table's rows on the Catalogue sheet (the first table keyed by GPU) as displayed."""
    out: dict[str, list[DisplayedCell]] = {}
    for r in sheets["Catalogue"]:
        if r and r[0].text in tables.GPU_TFLOPS.rows:
            out.setdefault(r[0].text, r)
    return out


# --------------------------------------------------------------------------- the Catalogue sheet
def _range_values(wb: openpyxl.Workbook, name: str) -> list[list[Any]]:
    """The values of the range a defined name points at, row by row."""
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    lo_col, lo_row, hi_col, hi_row = range_boundaries(ref.replace("$", ""))
    return [list(row) for row in wb[sheet].iter_rows(min_row=lo_row, max_row=hi_row, min_col=lo_col, max_col=hi_col,
                                                      values_only=True)]


def test_catalogue_sheet_holds_every_table_as_named_ranges():
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(_seed(), sensitivity=False)))
    ws = wb[workbook.CATALOGUE]
    assert ws.protection.sheet
    for t in tables.TABLES:
        cells = {part: _range_values(wb, t.name + part) for part in ("", "_rows", "_cols")}
        assert [r[0] for r in cells["_rows"]] == list(t.rows)
        assert cells["_cols"][0] == list(t.cols)
        for i, row in enumerate(cells[""]):
            for j, got in enumerate(row):
                want = t.values[i][j]
                assert (got == "n/a") if math.isnan(want) else (got == want), (t.name, t.rows[i], t.cols[j])
    # the catalogue is not listed cell by cell on Inputs any more: only the unit constants are
    assert not {c.name for c in tables.CONSTANTS} & set(wb.defined_names)


def test_lookups_are_index_match_on_the_catalogue_sheet():
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(_seed(), sensitivity=False)))
    for model_name, key, table in (("light", "catalogue_tflops_per_card", tables.GPU_TFLOPS),
                                   ("heavy", "catalogue_kw_per_server", tables.GPU_SERVER_KW)):
        f = str(named_cell(wb, workbook.calc_name(model_name, key)).value)
        assert f"INDEX({table.name}," in f and f"MATCH(heavy_gpu,{table.name}_rows,0)" in f.replace(
            "IF(ISBLANK(light_gpu),heavy_gpu,light_gpu)", "heavy_gpu"), f
    uses = {(u.model, u.key): u.overrides for u in catalogue_uses()}
    assert uses == {("heavy", "power_kw_per_server"): ("heavy.power_kw_per_server",),
                    ("light", "tflops_per_card"): ("light.tflops_per_card",)}


def test_import_refuses_a_changed_catalogue_value():
    data = workbook.workbook_bytes(_seed(), sensitivity=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ((_, ref),) = list(wb.defined_names[tables.GPU_TFLOPS.name].destinations)
    first = ref.split(":")[0].replace("$", "")
    row = int("".join(ch for ch in first if ch.isdigit())) + tables.GPU_TFLOPS.rows.index("H800-SXM")
    col = column_index_from_string("".join(ch for ch in first if ch.isalpha()))
    col += tables.GPU_TFLOPS.cols.index("FP16")
    cell = f"{get_column_letter(col)}{row}"
    ws = wb[workbook.CATALOGUE]
    ws.protection.sheet = False
    ws[cell] = 1000.0
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(workbook.WorkbookError) as e:
        workbook.read_workbook(buf.getvalue())
    assert f"Catalogue!{cell}" in str(e.value) and "989" in str(e.value) and "overrides the catalogue" in str(e.value)
    assert len(e.value.problems) == 1


@pytest.mark.lo
def test_picking_h800_in_the_dropdown_changes_tflops_and_server_power_live(recalculated, shown):
    wb = recalculated["gpu-h800"]
    assert compare(wb, BOOKS["gpu-h800"][2]) == []  # every value the engine's, 1e-9
    h800 = 989.0  # dense FP16 TFLOPS per card, H100/H800 datasheet (catalog.py)
    assert _named(wb, workbook.calc_name("light", "tflops_per_card")) == h800
    assert _named(wb, workbook.calc_name("heavy", "power_kw_per_server")) == 10.2  # DGX H100 10.2 kW
    assert abs(_named(wb, workbook.calc_name("light", "p_per_server")) - 8 * h800 / 1000) < 1e-12  # 7.912 P
    before = recalculated["ratio"]
    assert _named(before, workbook.calc_name("light", "tflops_per_card")) == 312.0  # the exported A100
    # the Catalogue sheet highlights the value in use: H800-SXM FP16, no longer A100
    rows = _tflops_rows(shown["gpu-h800"])
    fp16 = 1 + tables.GPU_TFLOPS.cols.index("FP16")
    assert rows["H800-SXM"][fp16].background == IN_USE and rows["A100-40G-NVLink"][fp16].background != IN_USE
    rows = _tflops_rows(shown["ratio"])
    assert rows["A100-40G-NVLink"][fp16].background == IN_USE and rows["H800-SXM"][fp16].background != IN_USE


@pytest.mark.lo
def test_the_gpu_dropdown_still_reads_the_catalogue_keys_after_libreoffice_saves(recalculated):
    """The dropdowns of the catalogue's choices are the Catalogue sheet's key ranges, not inline
    lists; LibreOffice keeps them so when it saves the workbook."""
    wb = recalculated["gpu-h800"]
    lists = {}
    for dv in wb["Inputs"].data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            lists[rng.coord] = dv.formula1
    for path, keys in (("heavy.gpu", "catalogue_gpu_tflops_rows"), ("light.gpu", "catalogue_gpu_tflops_rows"),
                       ("light.precision", "catalogue_gpu_tflops_cols")):
        ((_, ref),) = list(wb.defined_names[engine.name_of(path)].destinations)
        assert lists[ref.replace("$", "")] == keys, path
    assert _range_values(wb, "catalogue_gpu_tflops_rows") == [[k] for k in schema.FIELDS["heavy.gpu"].choices]


# --------------------------------------------------------------------------- inactive inputs
@pytest.mark.lo
@pytest.mark.parametrize("bid", ["ratio", "bottom-up", "override"])
def test_inactive_inputs_are_greyed_with_the_reason(bid, shown):
    """Exactly the inputs ``inert.inactive`` names are grey after recalculation, each with its status."""
    s = BOOKS[bid][2]
    cells = _inputs(shown[bid])
    findings = inert.inactive(s)
    grey = {p for p, (value, _) in cells.items() if value.background == GREY}
    assert grey == set(findings)
    for path, (_, status) in cells.items():
        if path in findings:
            assert status.text == rule_text(findings[path].rule).strip(), path
        else:
            assert not status.text.startswith("无效"), (path, status.text)


@pytest.mark.lo
def test_each_scenario_column_is_greyed_by_its_own_switches(shown):
    """A workbook of three presets: each value column greys what its own scenario disables (the
    status column speaks for the live one, the first)."""
    rows: dict[str, list[DisplayedCell]] = {}
    for row in shown["three"]["Inputs"]:  # the inputs' rows come first
        path = next((c.text for c in row if c.text in schema.FIELDS), None)
        if path is not None:
            rows.setdefault(path, row)
    for k, s in enumerate(THREE):
        grey = {p for p, row in rows.items() if row[2 + k].background == GREY}
        assert grey == set(inert.inactive(s)), s.name
    assert len({frozenset(inert.inactive(s)) for s in THREE}) > 1  # the columns really differ


@pytest.mark.lo
def test_switching_the_cash_cost_method_greys_and_ungreys_the_bottom_up_inputs(shown):
    bottom_up = ("heavy.pue", "heavy.electricity_cny_per_kwh", "heavy.staff_cny_per_month",
                 "heavy.colocation_cny_per_server_month", "heavy.om_share_of_revenue", "heavy.energy_method")
    ratio, costed = _inputs(shown["ratio"]), _inputs(shown["bottom-up"])
    for path in bottom_up:
        assert ratio[path][0].background == GREY and "heavy.cash_cost_method = 'ratio'" in ratio[path][1].text
        assert costed[path][0].background != GREY and costed[path][1].text == "", path
    # and the other way round: the 60:40 share does nothing once the costs are built up
    assert ratio["heavy.noncash_share_of_cost"][0].background != GREY
    assert costed["heavy.noncash_share_of_cost"][0].background == GREY
    assert "inactive while heavy.cash_cost_method = 'bottom_up'" in costed["heavy.noncash_share_of_cost"][1].text


@pytest.mark.lo
def test_a_written_override_of_the_catalogue_is_marked(shown):
    cells = _inputs(shown["override"])
    assert cells["light.tflops_per_card"][1].text == catalogue.NOTE_TEXTS[2] + "989"  # written 312, H800 is 989
    assert cells["heavy.power_kw_per_server"][1].text == catalogue.NOTE_TEXTS[0] + "10.2"  # empty: the catalogue's
    seed = _inputs(shown["ratio"])
    assert seed["light.tflops_per_card"][1].text == catalogue.NOTE_TEXTS[0] + "312"


def test_the_rules_table_is_inert_rules_as_live_conditions():
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(_seed(), sensitivity=False)))
    ws = wb["Inputs"]
    layout = plan([_seed()])
    assert len(layout.inputs.rule_rows) == len(inert.RULES)
    for rule, r in layout.inputs.rule_rows:
        assert ws.cell(r, 3).value == "=" + rule.formula()
        assert ws.cell(r, layout.inputs.status_col).value == rule_text(rule) and ws.cell(r, 2).value == ", ".join(
            rule.fields)
    for path in schema.FIELDS:  # every input a rule can disable has a status formula and a grey rule
        r = layout.inputs.rows[path]
        status = ws.cell(r, layout.inputs.status_col).value
        assert (status is not None) == (bool(layout.inputs.rules_of(path)) or path in {
            p for u in catalogue_uses() for p in u.overrides}), path


# --------------------------------------------------------------------------- results that read as words
def _summary_light(sheets: dict[str, list[list[DisplayedCell]]]) -> dict[str, str]:
    """The light block of the Summary as displayed: English label → value text."""
    rows = sheets["Summary"]
    start = next(i for i, r in enumerate(rows) if r and r[0].text.startswith("轻资产 Light asset"))
    return {r[1].text: r[2].text for r in rows[start + 1:] if len(r) > 2 and r[1].text}


@pytest.mark.lo
def test_unattainable_break_even_and_na_platform_payback_as_displayed(shown, recalculated):
    r = model.evaluate(BOOKS["unattainable"][2]).light
    assert r["breakeven_occupancy"] > 1 and r["worst_breakeven_occupancy"] > 1
    light = _summary_light(shown["unattainable"])
    for key in ("breakeven_occupancy", "worst_breakeven_occupancy"):
        assert light[model.item("light", key).en] == "无法达到 unattainable", key
    # the cell keeps the number (what JSON keeps)
    assert _named(recalculated["unattainable"], workbook.calc_name("light", "breakeven_occupancy")) == pytest.approx(
        r["breakeven_occupancy"], rel=1e-12)
    seed = model.evaluate(_seed()).light
    assert seed["breakeven_occupancy"] < 1 and _summary_light(shown["ratio"])[
        model.item("light", "breakeven_occupancy").en] == f"{seed['breakeven_occupancy'] * 100:.1f}%"
    # no platform investment: the platform payback is n/a, not 0.0 months and not never
    assert BOOKS["ratio"][2].light.platform_investment_cny == 0
    assert _summary_light(shown["ratio"])[model.item("light", "payback_months").en] == "n/a"
    # MOIC as a multiple
    moic = model.evaluate(BOOKS["unattainable"][2]).heavy["moic"]
    heavy = {row[1].text: row[2].text for row in shown["unattainable"]["Summary"] if len(row) > 2}
    assert heavy[model.item("heavy", "moic").en] == f"{moic:.2f}×"


# --------------------------------------------------------------------------- settlement items
def test_summary_and_definitions_say_what_the_cli_footnote_says():
    wb = openpyxl.load_workbook(io.BytesIO(workbook.workbook_bytes(_seed(), sensitivity=False)))
    note = wb[workbook.SUMMARY]["A3"].value
    assert SETTLEMENT_NOTE[0] in note and SETTLEMENT_NOTE[1] in note
    for words in ("valuation items: in NPV, IRR, the net cash multiple", "MOIC", "never in payback",
                  "terminal value after the tax on its"):
        assert words in FOOTNOTE and words in note, words
    terms = {t[1]: t for t in DEFINITION_TERMS}
    assert SETTLEMENT_NOTE[1] in terms["Settlement items and payback"][3]
    texts = [c.value for row in wb[workbook.DEFINITIONS].iter_rows() for c in row if isinstance(c.value, str)]
    assert "Settlement items and payback" in texts


@pytest.mark.lo
def test_definitions_figures_are_the_engine_results(recalculated):
    wb, s = recalculated["unattainable"], BOOKS["unattainable"][2]
    r = model.evaluate(s)
    ws = wb[workbook.DEFINITIONS]
    paths = {ws.cell(row, 7).value: ws.cell(row, 6).value for row in range(5, ws.max_row + 1) if ws.cell(row, 7).value}
    assert set(paths) == {p for t in DEFINITION_TERMS for _, p in t[4]}
    for path, got in paths.items():
        name, key = path.split(".", 1)
        it = model.item(name, key)
        want = float(getattr(r, name + "_monthly")[key].sum()) if it.kind == "row" else getattr(r, name)[key]
        if math.isnan(want):  # no platform investment: n/a (the item's na_when flag)
            assert got == "n/a" and it.na_when, path
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6), path
    assert paths["heavy.settlement_cny"] < 0  # the 84-month loan's balloon at month 60
    assert figure_ref(plan([s]), "heavy.npv_cny") == workbook.calc_name("heavy", "npv_cny")


def test_every_input_name_the_rules_read_is_an_input():
    names = {engine.name_of(p) for p in schema.FIELDS}
    for rule in inert.RULES:
        for w in rule.when:
            assert engine.name_of(w.path) in names
