"""The live Excel workbook: every calculated cell a formula generated from the engine's line items.

Sheets, in the FAST spirit (inputs apart from calculations, one formula per row, no constants in
formulas, the same columns on every timeline sheet), each written by its own module over one
frozen :class:`~finmodel.workbook.layout.Layout`:

* **Cover** (:mod:`.cover`) — scenario, date, version, how to use, sheet map, conventions.
* **Inputs** (:mod:`.inputs`) — every input as a named, validated cell, greyed with the reason while
  the switches make it inactive; the model constants.
* **Catalogue** (:mod:`.catalogue`) — the lookup tables (GPU TFLOPS, server power) the formulas read
  with ``INDEX``/``MATCH``, and the values this scenario uses.
* **Heavy** / **Light** (:mod:`.timelines`) — per-scenario values and the monthly timeline.
* **Summary** (:mod:`.summary`) — the KPIs as formulas with defined names, and native charts.
* **Annual** (:mod:`.annual`) — both models' statements by fiscal year, DSCR and margins.
* **Income statement**, **Cash flow**, **Balance sheet**, **Debt** (:mod:`.statement_sheets`) —
  the engine's statement lines and the debt schedule, monthly, as a lender reads them.
* **IRR solver** (:mod:`.irr_solver`) — every IRR the Summary reports, solved the engine's way.
* **Checks** (:mod:`.checks`) — every check a live formula; the master check ``checks_ok``.
* **Definitions** (:mod:`.definitions`) — conventions in 中文 and English beside live figures.
* **Sensitivity** (:mod:`.sensitivity`) — tornado and price × occupancy grid, engine values (STALE
  once the inputs differ from its base).

Text typed by users (scenario name, description, sources) is written as inline strings, with
Excel's quote prefix when it starts like a formula, so it can never execute. Input floats are
written with 17 significant digits (openpyxl writes 16) so that scenario → xlsx → scenario is exact
(:func:`.xlsx.exact_value_patch`). The month grid (most cells) is written straight into the sheet XML
(:mod:`.bulk`).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook

from finmodel import __version__, schema
from finmodel.schema import Problem, Scenario, ScenarioError
from finmodel.workbook import bulk
from finmodel.workbook.annual import write_annual
from finmodel.workbook.bulk import Bulk
from finmodel.workbook.catalogue import write_catalogue
from finmodel.workbook.checks import write_checks
from finmodel.workbook.cover import write_cover
from finmodel.workbook.definitions import write_definitions
from finmodel.workbook.inputs import write_inputs
from finmodel.workbook.irr_solver import write_irr_solver
from finmodel.workbook.layout import CATALOGUE, CHECKS, COVER, INPUTS, plan
from finmodel.workbook.sensitivity import write_sensitivity
from finmodel.workbook.statement_sheets import write_statements
from finmodel.workbook.summary import write_summary
from finmodel.workbook.timelines import write_timelines
from finmodel.workbook.xlsx import cell_text, exact_value_patch

__all__ = ["workbook_bytes", "write_workbook"]


def _scenarios(scenarios: Scenario | Sequence[Scenario]) -> list[Scenario]:
    out = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    if not out:
        raise ValueError("no scenario to export")
    names = [s.name for s in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ScenarioError([Problem("name", dup, "two scenarios of one workbook have this name; the scenario "
                                     "switch selects them by name, so give each its own")])
    return out


def workbook_bytes(scenarios: Scenario | Sequence[Scenario], *, sensitivity: bool = True) -> bytes:
    """The live workbook of one scenario, or of several with a scenario switch, as xlsx bytes (for a
    download button or a file).

    With several scenarios the Inputs sheet has a column per scenario and the switch selects the
    live one (the first at export); the timeline spans the longest horizon, and the Sensitivity
    sheet is the first scenario's. ``sensitivity=False`` leaves out the Sensitivity sheet (it runs
    the engine many times)."""
    with _collector_paused():
        return _workbook_bytes(_scenarios(scenarios), sensitivity)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a workbook is built: openpyxl makes ~10^5 small
    objects, and the collections they trigger rescan every live object (~15 % of an export). Nothing
    is lost: the collector runs again, with its counts, the moment the export ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _workbook_bytes(items: list[Scenario], sensitivity: bool) -> bytes:
    scenario = items[0]
    layout = plan(items, sensitivity=sensitivity)
    wb = Workbook()
    wb.active.title = COVER  # type: ignore[union-attr]
    for name in layout.sheets[1:]:
        wb.create_sheet(name)
    exact = write_inputs(wb, layout, items)
    catalogue_exact = write_catalogue(wb, layout)
    bulks: dict[str, Bulk] = {}
    write_timelines(wb, layout, scenario, bulks)
    write_summary(wb, layout, scenario)
    write_statements(wb, layout, bulks)
    write_annual(wb, layout)
    write_irr_solver(wb, layout, scenario, bulks)
    checks_exact = write_checks(wb, layout, scenario, len(items))
    write_definitions(wb, layout)
    if sensitivity:
        write_sensitivity(wb, layout, scenario)
    write_cover(wb, layout, items)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = f"finmodel: {cell_text(' | '.join(s.name for s in items))}"[:255]
    wb.properties.creator = f"finmodel {__version__}"
    patches: dict[str, Callable[[str], str]] = {name: grid.patch for name, grid in bulks.items()}
    patches[INPUTS] = exact_value_patch(exact)
    patches[CHECKS] = exact_value_patch(checks_exact)
    patches[CATALOGUE] = exact_value_patch(catalogue_exact)
    return bulk.save(wb, patches)


def write_workbook(scenarios: Scenario | Sequence[Scenario], path: str | os.PathLike[str], *,
                   sensitivity: bool = True) -> Path:
    """Write the workbook atomically (readers see the old file or the whole new one)."""
    p = Path(path)
    schema.atomic_write_bytes(p, workbook_bytes(scenarios, sensitivity=sensitivity))
    return p
