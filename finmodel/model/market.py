"""The market (on-demand) price path (issue 12, A3 of deals.md): a yearly price index, one factor per
service year, that replaces ``heavy.price_change_per_year`` when given.

``market.price_index`` is a list input: numpy reads it as a row of K values per scenario, the last
factor repeated to K (:func:`finmodel.schema.deal_revenue.padded`); the workbook as a block of K cells
on the Inputs sheet, the factors written first and the rest empty. :func:`factor_of_year` picks service
year ``y``'s factor the same way in both: the ``y``-th, or the last one written when ``y`` is past it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from finmodel.model import revenue
from finmodel.model.engine import Item
from finmodel.model.expr import MONTHS_PER_YEAR, floor, maximum, minimum, where
from finmodel.model.sym import Sym, call

if TYPE_CHECKING:
    from finmodel.model.expr import Num

H = "heavy."


def given(factors: Num) -> Num:
    """True where a list input has at least one value (numpy: its first is not NaN; Excel: COUNT > 0)."""
    if isinstance(factors, Sym):
        return call("COUNT", factors) > 0
    return ~np.isnan(np.asarray(factors, dtype=float)[..., :1])


def factor_of_year(factors: Num, year: Num) -> Num:
    """The factor of service year ``year`` (1, 2, …; 0 reads year 1), the last one repeating. [×]"""
    if isinstance(factors, Sym):
        return call("INDEX", factors, minimum(maximum(year, 1), call("COUNT", factors)))
    v, y = np.asarray(factors, dtype=float), np.asarray(year, dtype=float)
    idx = np.clip(y - 1, 0, v.shape[-1] - 1).astype(np.int64)
    shape = np.broadcast_shapes(v.shape[:-1] + (1,), idx.shape)
    return np.take_along_axis(np.broadcast_to(v, shape[:-1] + (v.shape[-1],)), np.broadcast_to(idx, shape), axis=-1)


def service_year(s: Num) -> Num:
    """The service year a service month falls in: floor((s − 1) ÷ 12) + 1 (month 0 reads year 1). [year]"""
    return floor(maximum(s - 1, 0) / MONTHS_PER_YEAR) + 1


#: The market price row: the index factor of the service year, or the constant yearly change.
PRICE: list[Item] = [
    Item("price_index_factor", "Market price index (× first-year price)", "市场价格指数", "×",
         lambda m: where(given(m.x("market.price_index")),
                         factor_of_year(m.x("market.price_index"), service_year(m.row("service_month"))), 1),
         fmt="rate", helper=True),
    Item("price_cny_per_card_hour", "Price per card-hour (market path)", "单卡时租金(市场价格路径)", "CNY/card-hour",
         lambda m: where(given(m.x("market.price_index")),
                         m.x(H + "price_cny_per_card_hour") * m.row("price_index_factor"),
                         revenue.price_path(m.x(H + "price_cny_per_card_hour"), m.x(H + "price_change_per_year"),
                                            m.row("service_month"))), fmt="price"),
]
