"""The revenue side of a deal (issue 12): the customer contract, the market price path, service
levels, working capital and China's VAT — five sections of a scenario, each off by default.

Every field has a default that leaves the seed's results unchanged (no contracted share, no price
index, full availability, no receivable or payable days, VAT off), so every existing file loads
unchanged. Definitions, formulas and sources: ``docs/deal_revenue.md``.

A scenario file writes them as::

    [contract]
    share = 1.0
    price_cny = { value = 70000, source = "天风 2025-04-11: 7万元/台/月" }
    price_unit = "server_month"
    term_months = 60
    [market]
    price_index = [1.0, 0.72, 0.85, 1.05]
    [working_capital]
    receivable_days = 60
    [vat]
    mode = "on"
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from finmodel.schema.fields import Finite, fld
from finmodel.schema.sections import _Section

__all__ = ["Contract", "Market", "Service", "WorkingCapital", "Vat", "DealRevenueSections", "problems", "SECTIONS",
           "MAX_PRICE_INDEX_YEARS", "contract_end_month", "padded", "price_index_note"]

#: Longest price index: one factor per service year of the longest horizon (360 months). [years]
MAX_PRICE_INDEX_YEARS = 30
_INCL = {"inclusive": ("含税", "VAT-inclusive (含税)"), "exclusive": ("不含税", "VAT-exclusive (不含税)")}


class Contract(_Section):
    """A take-or-pay customer contract on a share of the fleet (A1, A2, A4 of deals.md)."""

    share: Finite = fld(
        0.0, unit="fraction of capacity", en="Contracted share", zh="合同锁定比例", group="contract", ge=0, le=1,
        step=0.05,
        help="Share of the fleet's card-hours sold on the contract: billed at full (take-or-pay) occupancy at the "
        "contract price; the rest is on demand at the market price path and the occupancy ramp. 0 = no contract. "
        "CoreWeave: 96 % of 2024 revenue contracted (deals.md R7).",
        help_zh="按合同出售的算力占比：按合同价、满负荷（照付不议）计费；其余按市场价格路径与出租率爬坡按需出租。"
        "0 = 无合同。CoreWeave 2024年收入中96%为合同收入（deals.md R7）。")
    price_cny: Finite = fld(
        70_000.0, unit="CNY per contract.price_unit", en="Contract price", zh="合同价格", group="contract", ge=0,
        le=1e8, step=1000,
        help="The price as the contract writes it, in contract.price_unit; VAT-inclusive or not as "
        "vat.prices_include_vat says (without VAT: as entered). 7万元/台/月 for an 8×H100 server, 5-year term "
        "(天风 2025-04-11, deals.md R2).",
        help_zh="合同约定的价格，单位见 contract.price_unit；是否含税见 vat.prices_include_vat"
        "（不计增值税时按输入值）。"
        "8卡H100服务器7万元/台/月，5年期（天风 2025-04-11，deals.md R2）。")
    price_unit: Literal["server_month", "card_hour", "p_year"] = fld(
        "server_month", unit="", en="Contract price unit", zh="合同价格单位", group="contract",
        choice_labels={"server_month": ("元/台/月", "CNY per server-month"),
                       "card_hour": ("元/卡/时", "CNY per card-hour"), "p_year": ("元/P/年", "CNY per P-year")},
        help="server_month: per server and month (7万元/台/月); card_hour: per GPU-hour (× cards × hours a "
        "month); p_year: per P (PFLOPS at contract.precision, catalogue TFLOPS of heavy.gpu) and year ÷ 12.",
        help_zh="server_month：每台每月（7万元/台/月）；card_hour：每卡每小时（× 卡数 × 月小时数）；"
        "p_year：每P每年 × contract.p_per_server ÷ 12。")
    p_per_server: Finite = fld(
        7.912, unit="P/server", en="P per server (contract)", zh="合同口径每台P数", group="contract", gt=0, le=1000,
        step=0.001,
        help="price_unit p_year: the P (PFLOPS) one server counts for on the contract; 7.912 P for 8×H100 at "
        "FP16 dense, 989 TFLOPS a card (deals.md R2).",
        help_zh="价格单位为 p_year 时：合同按每台服务器计的P数（PFLOPS）；8卡H100按FP16稠密算力（每卡989 TFLOPS）为"
        "7.912 P（deals.md R2）。")
    start_month: int = fld(
        1, unit="service month", en="Contract start", zh="合同起始运营月", group="contract", ge=1, le=360,
        help="First service month billed on the contract (1 = the first month of service). The contract is "
        "signed at month 0 (the purchase): the prepayment and the deposit are received then.",
        help_zh="按合同计费的第一个运营月（1 = 运营首月）。合同于第0月（购置时）签订，预付款与押金在当时收到。")
    term_months: int = fld(
        60, unit="months", en="Contract term", zh="合同期限", group="contract", ge=1, le=360,
        help="Months billed on the contract; it must end within the horizon. 3-5 years in practice: 利通 ≥ 36 "
        "months, 中贝 5 years (deals.md R7).",
        help_zh="按合同计费的月数；须在测算期内结束。实务中3-5年：利通 ≥ 36个月，中贝5年（deals.md R7）。")
    after_term: Literal["on_demand", "renew"] = fld(
        "on_demand", unit="", en="After the term", zh="合同到期后", group="contract",
        choice_labels={"on_demand": ("转为按需出租", "Back to on demand"),
                       "renew": ("续约（市场价×系数）", "Renew at a factor of the market price")},
        help="on_demand: the contracted share returns to the on-demand market; renew: it stays take-or-pay at "
        "contract.renewal_price_factor × the market card-hour price of each month (GPUCloudModel's second lease "
        "at 0.4×, deals.md A2).",
        help_zh="on_demand：到期后该部分算力回到按需市场；renew：继续照付不议，"
        "按每月市场单卡时价 × contract.renewal_price_factor 计费（deals.md A2）。")
    renewal_price_factor: Finite = fld(
        1.0, unit="× market price", en="Renewal price factor", zh="续约价格系数", group="contract", ge=0, le=2,
        step=0.05, help="after_term renew: renewal price ÷ the market card-hour price then. Assumption.",
        help_zh="到期续约时：续约价 ÷ 当时的市场单卡时价。假设值。")
    prepaid_share: Finite = fld(
        0.0, unit="fraction of contract value", en="Prepaid share", zh="预付比例", group="contract", ge=0, le=1,
        step=0.05,
        help="Share of the total contract value (Σ contracted revenue over the term) received at signing and "
        "released to revenue over the term in proportion to it (deferred revenue). 15-25 % at CoreWeave "
        "(deals.md R7).",
        help_zh="合同总价值（合同期内合同收入之和）中签约时预收的比例，按合同收入比例在合同期内确认（递延收入）。"
        "CoreWeave为15-25%（deals.md R7）。")
    deposit_cny: Finite = fld(
        0.0, unit="CNY", en="Customer deposit", zh="客户押金", group="contract", ge=0, le=1e10, step=10_000,
        help="保证金 received at signing (month 0), held and returned in the contract's last month; no revenue, "
        "no interest. 莲花 collected 34.5万 (deals.md A4).",
        help_zh="签约时（第0月）收取的保证金，合同最后一个月退还；不计收入、不计利息。莲花收取34.5万（deals.md A4）。")


class Market(_Section):
    """The market (on-demand) price path beyond a constant yearly change (A3 of deals.md)."""

    price_index: list[float] = fld(
        [], unit="× first-year price", en="Price index", zh="价格指数", group="revenue", factory=list, ge=0, le=10,
        max_items=MAX_PRICE_INDEX_YEARS,
        help="One factor per service year (1.0 = the first year's price, e.g. [1.0, 0.72, 0.85, 1.05]); when "
        "given it replaces heavy.price_change_per_year; shorter than the service years, its last factor repeats. "
        "H100 one-year contracts: $1.70 → $2.35 → ~$2.65 /GPU-h, Oct 2025 → Jun 2026 (deals.md R1).",
        help_zh="每个运营年一个系数（1.0 = 首年价格，例如 [1.0, 0.72, 0.85, 1.05]）；填写后取代 "
        "heavy.price_change_per_year；短于运营年数时重复最后一个系数。"
        "H100一年期合同价：2025年10月至2026年6月 $1.70 → $2.35 → ~$2.65 /卡时（deals.md R1）。")

    @field_validator("price_index", mode="before")
    @classmethod
    def _factors(cls, v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            raise PydanticCustomError("list_type", "wrong type ({t}): a list of factors", {"t": type(v).__name__})
        if len(v) > MAX_PRICE_INDEX_YEARS:
            raise PydanticCustomError("too_long", "{n} factors", {"n": len(v)})
        for k, x in enumerate(v, start=1):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise PydanticCustomError("factor_not_a_number", "factor {k} is {x}, not a finite number",
                                          {"k": k, "x": repr(x)})
            if not 0 <= x <= 10:
                raise PydanticCustomError("factor_range", "factor {k} is {x}", {"k": k, "x": x})
        return [float(x) for x in v]


class Service(_Section):
    """Service levels: billable hours and SLA credits (B6 of deals.md)."""

    availability: Finite = fld(
        1.0, unit="fraction of hours", en="Availability", zh="可用率", group="contract", ge=0.5, le=1, step=0.005,
        help="Share of hours the fleet is up and billable, on the contracted and the on-demand part. 1 = the "
        "seed. CoreWeave's SLA guarantees about 95 % (deals.md 2a).",
        help_zh="可正常计费的时长占比，合同部分与按需部分均适用。1 = 种子报告。CoreWeave 的SLA约为95%（deals.md 2a）。")
    sla_credit_share: Finite = fld(
        0.0, unit="fraction of contracted revenue", en="SLA credits", zh="SLA赔付比例", group="contract", ge=0,
        le=1, step=0.005, help="Credits paid back to the contract customer as a share of contracted revenue. "
        "Assumption.", help_zh="按合同收入比例返还客户的SLA赔付。假设值。")


class WorkingCapital(_Section):
    """Receivable and payable days: cash follows revenue and costs by a lag (A4 of deals.md)."""

    receivable_days: Finite = fld(
        0.0, unit="days", en="Receivable days", zh="应收账款天数", group="contract", ge=0, le=360, step=15,
        help="Days from billing to cash, 30 days a month (60 days: cash two months after the revenue; a "
        "fraction of a month splits the month's bill between two months). The balance left at the horizon is "
        "collected at the horizon, as a settlement item (in NPV and IRR, not payback).",
        help_zh="开票至回款的天数，每月按30天计（60天：收入两个月后到账；不足整月时按比例分摊到两个月）。"
        "测算期末的余额在期末收回，作为期末结算项（计入净现值与内部收益率，不计入回收期）。")
    payable_days: Finite = fld(
        0.0, unit="days", en="Payable days", zh="应付账款天数", group="contract", ge=0, le=360, step=15,
        help="Days from an operating cost (energy, O&M, colocation, staff, other; not surtaxes) to its payment, "
        "30 days a month. The balance left at the horizon is paid at the horizon, as a settlement item.",
        help_zh="经营成本（电费、运维、托管、人工、其他；不含附加税）发生至付款的天数，每月按30天计。"
        "测算期末的余额在期末支付，作为期末结算项。")


class Vat(_Section):
    """China's VAT (增值税) and the surtaxes on it (D1 of deals.md). Off by default."""

    mode: Literal["off", "on"] = fld(
        "off", unit="", en="VAT", zh="增值税", group="tax",
        choice_labels={"off": ("不计", "Off"), "on": ("一般纳税人", "On (general taxpayer)")},
        help="on: revenue and costs in the P&L are VAT-exclusive; output VAT on revenue less input VAT on "
        "servers, electricity and colocation is paid when positive, the credit carried forward (留抵) otherwise; "
        "surtaxes on the VAT paid are a P&L cost. VAT moves cash, not profit.",
        help_zh="on：利润表中的收入与成本均不含税；收入的销项税减去服务器、电费、托管的进项税，为正时缴纳，"
        "为负时留抵结转；按实缴增值税计征的附加税计入利润表。增值税影响现金流，不影响利润。")
    prices_include_vat: Literal["inclusive", "exclusive"] = fld(
        "inclusive", unit="", en="Rental prices", zh="租金价格", group="tax", choice_labels=_INCL,
        help="Whether heavy.price_cny_per_card_hour and contract.price_cny include output VAT. Chinese contracts "
        "are announced 含税 (中贝 48,384万 含税, deals.md 2b).",
        help_zh="heavy.price_cny_per_card_hour 与 contract.price_cny 是否含销项税。国内合同通常按含税金额公告"
        "（中贝 48,384万 含税，deals.md 2b）。")
    costs_include_vat: Literal["inclusive", "exclusive"] = fld(
        "inclusive", unit="", en="Cost prices", zh="成本价格", group="tax", choice_labels=_INCL,
        help="Whether the server, network, parts and infrastructure prices, the electricity tariff and the "
        "colocation rent include input VAT (at their own rates).",
        help_zh="服务器、交换机、配件、基建价格以及电价、托管租金是否含进项税（按各自税率）。")
    output_rate: Finite = fld(
        0.06, unit="fraction", en="Output VAT rate", zh="销项税率", group="tax", ge=0, le=0.17, step=0.01,
        help="0.06 for 信息技术服务 (算力服务/技术服务 contracts), 0.13 for 有形动产租赁 (rental of servers) "
        "(Avalara China VAT rates, deals.md D1, R8).",
        help_zh="信息技术服务（算力服务/技术服务合同）0.06，有形动产租赁 0.13（deals.md D1、R8）。")
    input_rate_servers: Finite = fld(
        0.13, unit="fraction", en="Input VAT on servers", zh="设备进项税率", group="tax", ge=0, le=0.17, step=0.01,
        help="Goods at 13 % (deals.md R8): a 200万 含税 server carries 23.0万.",
        help_zh="货物13%（deals.md R8）：200万含税服务器含进项税23.0万。")
    input_rate_electricity: Finite = fld(
        0.13, unit="fraction", en="Input VAT on electricity", zh="电费进项税率", group="tax", ge=0, le=0.17,
        step=0.01, help="Electricity is goods at 13 % (deals.md D1).", help_zh="电力按货物13%（deals.md D1）。")
    input_rate_colocation: Finite = fld(
        0.06, unit="fraction", en="Input VAT on colocation", zh="托管进项税率", group="tax", ge=0, le=0.17,
        step=0.01, help="Colocation as a service at 6 % (deals.md D1).", help_zh="托管服务6%（deals.md D1）。")
    city_construction_rate: Finite = fld(
        0.07, unit="fraction of VAT paid", en="城建税 rate", zh="城市维护建设税率", group="tax", ge=0, le=0.07,
        step=0.01, help="7 % in a city, 5 % in a county or town, 1 % elsewhere (deals.md R8).",
        help_zh="市区7%，县城、镇5%，其他1%（deals.md R8）。")
    education_surcharge_rate: Finite = fld(
        0.03, unit="fraction of VAT paid", en="教育费附加 rate", zh="教育费附加率", group="tax", ge=0, le=0.03,
        step=0.01, help="3 % of VAT paid (deals.md R8).", help_zh="实缴增值税的3%（deals.md R8）。")
    local_education_surcharge_rate: Finite = fld(
        0.02, unit="fraction of VAT paid", en="地方教育附加 rate", zh="地方教育附加率", group="tax", ge=0, le=0.02,
        step=0.01, help="2 % of VAT paid (deals.md R8).", help_zh="实缴增值税的2%（deals.md R8）。")


#: The sections of this module, as a scenario file names them.
SECTIONS: dict[str, type[_Section]] = {"contract": Contract, "market": Market, "service": Service,
                                       "working_capital": WorkingCapital, "vat": Vat}


def padded(values: list[float]) -> list[float]:
    """A list input as the engine reads it: :data:`MAX_PRICE_INDEX_YEARS` values, the last one repeated
    (all NaN when the list is empty)."""
    fill = float(values[-1]) if values else math.nan
    return [float(x) for x in values] + [fill] * (MAX_PRICE_INDEX_YEARS - len(values))


def contract_end_month(s: Any) -> int:
    """The timeline month of the contract's last billed month: lead time + start + term − 1. [month]"""
    return s.heavy.lead_time_months + s.contract.start_month + s.contract.term_months - 1


def service_years(s: Any) -> int:
    """Service years that start within the horizon. [years]"""
    months = s.general.horizon_months - s.heavy.lead_time_months
    return max(0, -(-months // 12))


def price_index_note(s: Any) -> str | None:
    """The ``note:`` of a price index shorter than the service years (its last factor repeats)."""
    index, years = s.market.price_index, service_years(s)
    if not index or len(index) >= years:
        return None
    return (f"market.price_index has {len(index)} factor{'s' if len(index) > 1 else ''} for {years} service years: "
            f"the last factor ({index[-1]:g}) repeats in service years {len(index) + 1}-{years}")


class DealRevenueSections(_Section):
    """The five sections, each defaulted: a file without them loads unchanged."""

    contract: Contract = Field(default_factory=Contract)
    market: Market = Field(default_factory=Market)
    service: Service = Field(default_factory=Service)
    working_capital: WorkingCapital = Field(default_factory=WorkingCapital)
    vat: Vat = Field(default_factory=Vat)


def problems(s: Any) -> list[tuple[str, Any, str]]:
    """Checks across sections, as (field, value, message): a contract must end within the horizon."""
    if s.contract.share == 0:
        return []
    most = s.general.horizon_months - s.heavy.lead_time_months - s.contract.start_month + 1
    if s.contract.term_months <= most:
        return []
    why = (f"the contract (from service month {s.contract.start_month}, after a {s.heavy.lead_time_months}-month "
           f"lead time) ends after the {s.general.horizon_months}-month horizon; allowed: an integer, 1 ≤ value ≤ "
           f"{max(most, 0)} [months]")
    return [("contract.term_months", s.contract.term_months, why)]


def inert_rules() -> tuple[Any, ...]:
    """The rules of :mod:`finmodel.schema.inert` for these sections (imported there, built lazily to keep
    the import order schema → inert)."""
    from finmodel.schema.inert import Rule, When

    c, v = "contract.", "vat."
    contract = tuple(c + f for f in ("price_cny", "price_unit", "p_per_server", "start_month", "term_months",
                                     "after_term", "renewal_price_factor", "prepaid_share", "deposit_cny"))
    return (
        Rule((*contract, "service.sla_credit_share"), (When(c + "share", "==", 0),), "no contracted share",
             "无合同锁定算力"),
        Rule((c + "p_per_server",), (When(c + "price_unit", "!=", "p_year"),)),
        Rule((c + "renewal_price_factor",), (When(c + "after_term", "==", "on_demand"),)),
        Rule(("heavy.price_change_per_year",), (When("market.price_index", "given"),),
             "the price index replaces it", "价格指数取代之"),
        Rule(tuple(v + f for f in Vat.model_fields if f != "mode"), (When(v + "mode", "==", "off"),)),
    )
