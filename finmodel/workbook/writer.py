"""The live Excel workbook: every calculated cell a formula generated from the engine's line items.

Sheets, in the FAST spirit (inputs apart from calculations, one formula per row, no constants in
formulas, the same columns on every timeline sheet), each written by its own module over one
frozen :class:`~finmodel.workbook.layout.Layout`:

* **Cover** (:mod:`.cover`) — scenario, date, version, how to use, sheet map, conventions.
* **Inputs** (:mod:`.inputs`) — every input as a named, validated cell; the model constants.
* **Heavy** / **Light** (:mod:`.timelines`) — per-scenario values and the monthly timeline.
* **Summary** (:mod:`.summary`) — the KPIs as formulas with defined names, and native charts.
* **IRR solver** (:mod:`.irr_solver`) — every IRR the Summary reports, solved the engine's way.
* **Sensitivity** (:mod:`.sensitivity`) — tornado and price × occupancy grid, engine values.

Text typed by users (scenario name, description, sources) is written as inline strings, with
Excel's quote prefix when it starts like a formula, so it can never execute. Input floats are
written with 17 significant digits (openpyxl writes 16) so that scenario → xlsx → scenario is exact
(:func:`.xlsx.exact_value_patch`). The month grid (most cells) is written straight into the sheet XML
(:mod:`.bulk`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from finmodel import __version__, schema
from finmodel.schema import Scenario
from finmodel.workbook import bulk
from finmodel.workbook.bulk import Bulk
from finmodel.workbook.cover import write_cover
from finmodel.workbook.inputs import write_inputs
from finmodel.workbook.irr_solver import write_irr_solver
from finmodel.workbook.layout import COVER, INPUTS, plan
from finmodel.workbook.sensitivity import write_sensitivity
from finmodel.workbook.summary import write_summary
from finmodel.workbook.timelines import write_timelines
from finmodel.workbook.xlsx import cell_text, exact_value_patch

__all__ = ["workbook_bytes", "write_workbook"]


def workbook_bytes(scenario: Scenario, *, sensitivity: bool = True) -> bytes:
    """The scenario's live workbook as xlsx bytes (for a download button or a file).

    ``sensitivity=False`` leaves out the Sensitivity sheet (it runs the engine many times)."""
    layout = plan(scenario, sensitivity=sensitivity)
    wb = Workbook()
    wb.active.title = COVER  # type: ignore[union-attr]
    for name in layout.sheets[1:]:
        wb.create_sheet(name)
    exact = write_inputs(wb, layout, scenario)
    bulks: dict[str, Bulk] = {}
    write_timelines(wb, layout, scenario, bulks)
    write_summary(wb, layout, scenario)
    write_irr_solver(wb, layout, scenario, bulks)
    if sensitivity:
        write_sensitivity(wb, layout, scenario)
    write_cover(wb, layout, scenario)
    wb.calculation.fullCalcOnLoad = True
    wb.properties.title = f"finmodel: {cell_text(scenario.name)}"[:255]
    wb.properties.creator = f"finmodel {__version__}"
    patches: dict[str, Callable[[str], str]] = {name: grid.patch for name, grid in bulks.items()}
    patches[INPUTS] = exact_value_patch(exact)
    return bulk.save(wb, patches)


def write_workbook(scenario: Scenario, path: str | os.PathLike[str], *, sensitivity: bool = True) -> Path:
    """Write the workbook atomically (readers see the old file or the whole new one)."""
    p = Path(path)
    schema.atomic_write_bytes(p, workbook_bytes(scenario, sensitivity=sensitivity))
    return p
