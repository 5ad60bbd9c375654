"""Four ways to handle the same GPU capacity, side by side (the seed's self-build vs lease table,
002:1179-1188, made live).

Provider side, from the engine's results:

- ``heavy``: buy the servers and rent them out per card-hour (重资产);
- ``light``: buy capacity per P-year and resell it (轻资产).

User side, for the same card-hours the heavy scenario delivers:

- ``self``: build the servers for one's own use (自建算力): capex + cash costs − terminal value;
- ``cloud``: rent them from a cloud (智算租赁) at the seed's mean market price for that GPU
  (catalog.cloud_prices, 002:1482-1498). Hourly billing pays the used card-hours; monthly and annual
  billing pay every in-service card-hour (annual at the vendors' mean annual discount).

Pure function of a :class:`finmodel.model.Result`; the dashboard's "Business models" page renders it.
All amounts CNY, times months, card-hours in hours × cards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finmodel.model import Result
from finmodel.schema import catalog

OPTIONS = ("heavy", "light", "self", "cloud")

#: Rows of the comparison and how each is displayed (``fmt`` as in ``engine.Item``).
ROWS: dict[str, str] = {
    "upfront_cny": "cny",
    "time_to_compute_months": "months_plain",
    "annual_cost_cny": "cny",
    "horizon_cost_cny": "cny",
    "horizon_revenue_cny": "cny",
    "net_cash_cny": "cny",
    "card_hours": "number",
    "cost_per_card_hour": "price",
    "price_per_card_hour": "price",
    "payback_months": "months",
    "npv_cny": "cny",
}


def market_price_cny_per_card_hour(gpu: str, billing_mode: str) -> float:
    """Mean seed market price for ``gpu`` under a billing mode; NaN if the seed lists none.

    hourly → mean hourly list price; monthly → mean monthly subscription per card-hour; annual →
    the monthly mean × the mean annual discount of the vendors that list this GPU monthly."""
    prices = catalog.cloud_prices()
    billing = "hourly" if billing_mode == "hourly" else "monthly"
    rows = prices.loc[(prices["gpu"] == gpu) & (prices["billing"] == billing)]
    if rows.empty:
        return float("nan")
    mean = float(rows["price_cny_per_card_hour"].to_numpy(dtype=float).mean())
    if billing_mode == "annual":
        disc = rows["annual_discount"].to_numpy(dtype=float)
        disc = disc[~np.isnan(disc)]
        mean *= float(disc.mean()) if disc.size else 1.0
    return mean


def _sum(df: pd.DataFrame, col: str) -> float:
    return float(df[col].to_numpy(dtype=float).sum()) if col in df else 0.0


def _per_hour(cost: float, hours: float) -> float:
    return cost / hours if hours > 0 else float("nan")


_NAN = float("nan")
_LIGHT_COST_LINES = ("capacity_cost_cny", "vas_cost_cny", "platform_fixed_cost_cny")


@dataclass(frozen=True)
class _Fleet:
    """The heavy scenario's card-hours, which every column delivers or pays for."""

    cards: int
    hours_per_month: float
    in_service: np.ndarray  # flag per month
    used: np.ndarray  # in service × occupancy, per month
    first_year: np.ndarray  # flag per month
    card_hours_used: float
    card_hours_service: float
    own_cost_cny: float  # capex + cash costs − terminal value

    @classmethod
    def of(cls, result: Result) -> _Fleet:
        s, h, hm = result.scenario, result.heavy, result.heavy_monthly
        cards = s.heavy.servers * s.heavy.cards_per_server
        hpm = h["hours_per_month"]
        in_service = hm["in_service"].to_numpy()
        used = in_service * hm["occupancy"].to_numpy()
        return cls(cards, hpm, in_service, used, hm["first_service_year"].to_numpy(),
                   float(used.sum()) * cards * hpm, float(in_service.sum()) * cards * hpm,
                   h["capex_cny"] + h["total_cash_cost_cny"] - _sum(hm, "terminal_value_cny"))


def _provider(upfront: float, lead_months: float, annual_cost: float, revenue: float, net: float,
              card_hours: float, cost: float, payback: float, npv: float) -> dict[str, float]:
    """A column of a business that sells card-hours (heavy, light)."""
    return {"upfront_cny": upfront, "time_to_compute_months": lead_months, "annual_cost_cny": annual_cost,
            "horizon_cost_cny": revenue - net, "horizon_revenue_cny": revenue, "net_cash_cny": net,
            "card_hours": card_hours, "cost_per_card_hour": _per_hour(cost, card_hours),
            "price_per_card_hour": _per_hour(revenue, card_hours), "payback_months": payback, "npv_cny": npv}


def _user(upfront: float, lead_months: float, annual_cost: float, horizon_cost: float, net: float,
          card_hours: float, cost: float) -> dict[str, float]:
    """A column of a user who buys the card-hours for itself (self-build, cloud): no revenue."""
    return {"upfront_cny": upfront, "time_to_compute_months": lead_months, "annual_cost_cny": annual_cost,
            "horizon_cost_cny": horizon_cost, "horizon_revenue_cny": _NAN, "net_cash_cny": net,
            "card_hours": card_hours, "cost_per_card_hour": _per_hour(cost, card_hours),
            "price_per_card_hour": _NAN, "payback_months": _NAN, "npv_cny": _NAN}


def _heavy(result: Result, fleet: _Fleet) -> dict[str, float]:
    h, s = result.heavy, result.scenario
    net = float(result.heavy_monthly["cumulative_cash_flow_cny"].iloc[-1])
    return _provider(h["capex_cny"], float(s.heavy.lead_time_months), h["annual_cash_cost_cny"],
                     h["total_revenue_cny"], net, fleet.card_hours_used, fleet.own_cost_cny, h["payback_months"],
                     h["npv_cny"])


def _light(result: Result, fleet: _Fleet) -> dict[str, float]:
    """The light-asset column; all NaN (n/a) when a server holds no measurable P (a subnormal TFLOPS
    per card rounds P per server to 0) or the revenue is not finite: nothing in it can be compared."""
    s, lt, lm = result.scenario, result.light, result.light_monthly
    if not (lt["p_per_server"] > 0 and np.isfinite(lt["total_revenue_cny"])):
        return dict.fromkeys(ROWS, _NAN)
    net = float(lm["cumulative_cash_flow_cny"].iloc[-1])
    cards_per_p = s.heavy.cards_per_server / lt["p_per_server"]
    card_hours = _sum(lm, "occupancy") * s.light.capacity_p * cards_per_p * fleet.hours_per_month
    first = lm["first_year"].to_numpy(dtype=float)
    first_year = sum(float((lm[c].to_numpy(dtype=float) * first).sum()) for c in _LIGHT_COST_LINES)
    cost = sum(_sum(lm, c) for c in _LIGHT_COST_LINES) + s.light.platform_investment_cny
    return _provider(s.light.platform_investment_cny, 0.0, first_year, lt["total_revenue_cny"], net, card_hours,
                     cost, lt["payback_months"], lt["npv_cny"])


def _self(result: Result, fleet: _Fleet) -> dict[str, float]:
    h, s = result.heavy, result.scenario
    return _user(h["capex_cny"], float(s.heavy.lead_time_months), h["annual_cash_cost_cny"],
                 h["capex_cny"] + h["total_cash_cost_cny"], -fleet.own_cost_cny, fleet.card_hours_used,
                 fleet.own_cost_cny)


def _cloud(result: Result, fleet: _Fleet, market: float) -> dict[str, float]:
    """Renting the card-hours at ``market``: hourly billing pays the used hours, monthly and annual
    billing every in-service hour."""
    hourly = result.scenario.heavy.billing_mode == "hourly"
    billed = fleet.card_hours_used if hourly else fleet.card_hours_service
    per_month = fleet.used if hourly else fleet.in_service
    billed_first = float(per_month[fleet.first_year > 0].sum()) * fleet.cards * fleet.hours_per_month
    cost, first_year = market * billed, market * billed_first
    return _user(0.0 if np.isfinite(market) else _NAN, 0.0, first_year, cost, -cost, fleet.card_hours_used, cost)


def business_models(result: Result) -> pd.DataFrame:
    """The comparison table: index = :data:`ROWS` keys, columns = :data:`OPTIONS`; NaN = n/a.

    ``df.attrs`` carries ``market_price`` (CNY/card-hour used for the cloud column, NaN if none),
    ``billing_mode``, ``gpu`` and ``self_minus_cloud_cny``."""
    s = result.scenario
    fleet = _Fleet.of(result)
    market = market_price_cny_per_card_hour(s.heavy.gpu, s.heavy.billing_mode)
    table = {"heavy": _heavy(result, fleet), "light": _light(result, fleet), "self": _self(result, fleet),
             "cloud": _cloud(result, fleet, market)}
    df = pd.DataFrame(table, index=list(ROWS), columns=list(OPTIONS)).astype(float)
    df.attrs.update({"market_price": market, "billing_mode": s.heavy.billing_mode, "gpu": s.heavy.gpu,
                     "self_minus_cloud_cny": fleet.own_cost_cny - table["cloud"]["horizon_cost_cny"]})
    return df
