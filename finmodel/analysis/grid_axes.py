"""The price × occupancy grid: the one definition of its axes.

The workbook's Sensitivity sheet tabulates payback, NPV and IRR over these axes (and the dashboard's
heatmap is meant to read the same definition). Prices are the base price times :data:`GRID_X_STEPS`
(rounded to 4 decimals, clipped to the field's bounds); occupancies are :data:`GRID_Y_VALUES`; both
axes include the base value, so the base case is one of the cells.
"""

from __future__ import annotations

import math

from finmodel import schema
from finmodel.schema import Scenario

__all__ = ["GRID_X", "GRID_X_STEPS", "GRID_Y", "GRID_Y_VALUES", "grid_axes"]

GRID_X = "heavy.price_cny_per_card_hour"
GRID_X_STEPS: tuple[float, ...] = tuple(round(0.6 + 0.1 * k, 1) for k in range(9))  # × the base price: 0.6 … 1.4
GRID_Y = "heavy.occupancy"
GRID_Y_VALUES: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # plus the base occupancy


def grid_axes(scenario: Scenario) -> tuple[list[float], list[float]]:
    """The price [CNY/card-hour] and occupancy [fraction] values of the grid, base values included.

    A base price of 0 scales the steps from the field's default instead."""
    xs_spec = schema.field_spec(GRID_X)
    base_x, base_y = float(scenario.get(GRID_X)), float(scenario.get(GRID_Y))
    ref = base_x if base_x > 0 else float(xs_spec.default)
    xs = {min(max(round(ref * k, 4), xs_spec.ge or 0.0), xs_spec.le or math.inf) for k in GRID_X_STEPS}
    return sorted(xs | {base_x}), sorted(set(GRID_Y_VALUES) | {base_y})
