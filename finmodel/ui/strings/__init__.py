"""The dashboard's own words in 中文 and English, one table per page (read through
:func:`finmodel.ui.i18n.t`).

Labels, units and help of inputs and results are not here: they come from the declarations
(:data:`finmodel.schema.FIELDS`, :func:`finmodel.model.item`, the workload columns).
"""

from __future__ import annotations

from collections.abc import Mapping

from finmodel.ui.strings import charts, common, deal, demand, models, overview, portfolio, scenarios, sensitivity

Table = Mapping[str, tuple[str, str]]


def merge(*tables: Table) -> dict[str, tuple[str, str]]:
    """One key → (中文, English) table from several; a key declared twice is an error."""
    out: dict[str, tuple[str, str]] = {}
    for table in tables:
        twice = sorted(out.keys() & table.keys())
        if twice:
            raise ValueError(f"UI string keys declared twice: {twice}")
        out.update(table)
    return out


STRINGS = merge(common.STRINGS, overview.STRINGS, charts.STRINGS, sensitivity.STRINGS, models.STRINGS,
                scenarios.STRINGS, demand.STRINGS, portfolio.STRINGS, deal.STRINGS)

__all__ = ["STRINGS", "Table", "merge"]
