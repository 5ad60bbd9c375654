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
    prices = prices[prices["gpu"] == gpu]
    billing = "hourly" if billing_mode == "hourly" else "monthly"
    rows = prices[prices["billing"] == billing]
    if rows.empty:
        return float("nan")
    mean = float(rows["price_cny_per_card_hour"].mean())
    if billing_mode == "annual":
        disc = rows["annual_discount"].dropna()
        mean *= float(disc.mean()) if not disc.empty else 1.0
    return mean


def _sum(df: pd.DataFrame, col: str) -> float:
    return float(df[col].sum()) if col in df else 0.0


def business_models(result: Result) -> pd.DataFrame:
    """The comparison table: index = :data:`ROWS` keys, columns = :data:`OPTIONS`; NaN = n/a.

    ``df.attrs`` carries ``market_price`` (CNY/card-hour used for the cloud column, NaN if none),
    ``billing_mode`` and ``gpu``."""
    s = result.scenario
    h, hm = result.heavy, result.heavy_monthly
    lt, lm = result.light, result.light_monthly
    cards = s.heavy.servers * s.heavy.cards_per_server
    hpm = h["hours_per_month"]
    in_service = hm["in_service"].to_numpy()
    used = in_service * hm["occupancy"].to_numpy()
    first = hm["first_service_year"].to_numpy()
    card_hours_used = float(used.sum()) * cards * hpm
    card_hours_service = float(in_service.sum()) * cards * hpm
    terminal = _sum(hm, "terminal_value_cny")
    own_cost = h["capex_cny"] + h["total_cash_cost_cny"] - terminal

    heavy_net = float(hm["cumulative_cash_flow_cny"].iloc[-1])
    light_net = float(lm["cumulative_cash_flow_cny"].iloc[-1])
    cards_per_p = s.heavy.cards_per_server / lt["p_per_server"]
    light_card_hours = float(lm["occupancy"].sum()) * s.light.capacity_p * cards_per_p * hpm
    light_cost_lines = ("capacity_cost_cny", "vas_cost_cny", "platform_fixed_cost_cny")
    light_first_year = float(sum((lm[c] * lm["first_year"]).sum() for c in light_cost_lines))
    light_cost = sum(_sum(lm, c) for c in light_cost_lines) + s.light.platform_investment_cny

    market = market_price_cny_per_card_hour(s.heavy.gpu, s.heavy.billing_mode)
    billed = card_hours_used if s.heavy.billing_mode == "hourly" else card_hours_service
    billed_first = float((used if s.heavy.billing_mode == "hourly" else in_service)[first > 0].sum()) * cards * hpm
    cloud_cost = market * billed

    def per_hour(cost: float, hours: float) -> float:
        return cost / hours if hours > 0 else float("nan")

    nan = float("nan")
    table = {
        "heavy": {
            "upfront_cny": h["capex_cny"], "time_to_compute_months": float(s.heavy.lead_time_months),
            "annual_cost_cny": h["annual_cash_cost_cny"],
            "horizon_cost_cny": h["total_revenue_cny"] - heavy_net, "horizon_revenue_cny": h["total_revenue_cny"],
            "net_cash_cny": heavy_net, "card_hours": card_hours_used,
            "cost_per_card_hour": per_hour(own_cost, card_hours_used),
            "price_per_card_hour": per_hour(h["total_revenue_cny"], card_hours_used),
            "payback_months": h["payback_months"], "npv_cny": h["npv_cny"],
        },
        "light": {
            "upfront_cny": s.light.platform_investment_cny, "time_to_compute_months": 0.0,
            "annual_cost_cny": light_first_year,
            "horizon_cost_cny": lt["total_revenue_cny"] - light_net, "horizon_revenue_cny": lt["total_revenue_cny"],
            "net_cash_cny": light_net, "card_hours": light_card_hours,
            "cost_per_card_hour": per_hour(light_cost, light_card_hours),
            "price_per_card_hour": per_hour(lt["total_revenue_cny"], light_card_hours),
            "payback_months": lt["payback_months"], "npv_cny": lt["npv_cny"],
        },
        "self": {
            "upfront_cny": h["capex_cny"], "time_to_compute_months": float(s.heavy.lead_time_months),
            "annual_cost_cny": h["annual_cash_cost_cny"],
            "horizon_cost_cny": h["capex_cny"] + h["total_cash_cost_cny"], "horizon_revenue_cny": nan,
            "net_cash_cny": -own_cost, "card_hours": card_hours_used,
            "cost_per_card_hour": per_hour(own_cost, card_hours_used), "price_per_card_hour": nan,
            "payback_months": nan, "npv_cny": nan,
        },
        "cloud": {
            "upfront_cny": 0.0 if np.isfinite(market) else nan, "time_to_compute_months": 0.0,
            "annual_cost_cny": market * billed_first,
            "horizon_cost_cny": cloud_cost, "horizon_revenue_cny": nan,
            "net_cash_cny": -cloud_cost, "card_hours": card_hours_used,
            "cost_per_card_hour": per_hour(cloud_cost, card_hours_used), "price_per_card_hour": nan,
            "payback_months": nan, "npv_cny": nan,
        },
    }
    df = pd.DataFrame(table, index=list(ROWS), columns=list(OPTIONS)).astype(float)
    df.attrs.update({"market_price": market, "billing_mode": s.heavy.billing_mode, "gpu": s.heavy.gpu,
                     "self_minus_cloud_cny": own_cost - cloud_cost})
    return df
