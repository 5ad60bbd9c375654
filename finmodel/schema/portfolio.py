"""Portfolio files: a company of purchase cohorts, declared and validated with the scenario toolkit.

A portfolio is TOML (``assumptions/portfolio/*.toml``)::

    name = "H800 fleet delivered in lots"
    [general]                       # the company's horizon, discount rate, income tax and hours:
    horizon_months = 60             #   they apply to every cohort (a cohort file's own are replaced)
    tax_rate = 0.25
    [company]                       # company-level lines (CNY per month) and a company term loan
    staff_cny_per_month = 150000
    [shocks]                        # company-wide multipliers (1 = none), for sweeps and Monte Carlo
    price_factor = 1.0
    [cohorts.lot1]                  # a cohort: a scenario plus its purchase timing
    scenario = "cohorts/h800.toml"  #   a scenario file, relative to this file and inside its folder
    purchase_month = 0
    [cohorts.lot1.heavy]            #   overrides of the scenario's inputs
    servers = 12
    [cohorts.lot2]
    like = "lot1"                   # lot1's scenario and overrides, then its own
    purchase_month = 4
    slip_months = 3                 # 60 % of the servers arrive 3 months after the planned lead time
    late_share = 0.6

Every value may be written bare or as ``{ value = ..., source = "..." }``. A cohort's scenario is
a file (``scenario``), another cohort (``like``) or the schema defaults, plus its ``[heavy]`` /
``[light]`` overrides; ``model`` says which of the two business models the cohort is (``heavy``:
owned servers, 直租; ``light``: sub-leased capacity, 转租). Timing is in company months (month 0 =
the company's first purchase date): ``purchase_month``; ``slip_months`` and ``late_share``
(delivery slippage); ``retire_month``, ``resale_share_of_book`` and ``successor`` (refresh: the
cohort is sold at ``retire_month`` and its successor bought then). The definitions are in
``docs/portfolio.md``.

Problems are one line each, naming the cohort and the field (``cohorts.lot2.purchase_month = 70:
past the company horizon ...``); file references never leave the portfolio's folder.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from finmodel.schema import catalog
from finmodel.schema.errors import MISSING, Problem, ScenarioError, UnknownFieldError, did_you_mean
from finmodel.schema.fields import FieldSpec, Finite, field_specs, find_spec, fld
from finmodel.schema.files import atomic_write_bytes
from finmodel.schema.scenario import FIELDS as SCENARIO_FIELDS
from finmodel.schema.scenario import Scenario
from finmodel.schema.sections import General, _Section
from finmodel.schema.tomlio import dump_toml, parse_toml_text, read_input

__all__ = ["Company", "Shocks", "CohortSpec", "Cohort", "Portfolio", "PortfolioError", "FIELDS", "COHORT_FIELDS",
           "LIGHT_READS_HEAVY", "MAX_COHORTS", "SHOCKED", "CAPPED_AT_ONE", "field_spec", "load",
           "parse", "validate_portfolio", "is_portfolio"]

MAX_COHORTS = 500
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
#: The heavy-asset inputs a light-asset book reads (its card count; its GPU, for the catalogue's
#: TFLOPS while ``light.gpu`` and ``light.tflops_per_card`` are empty; and, for ``sell_price_basis =
#: card_hour`` with no price of its own, the rental price); pinned against the light items by
#: ``tests/test_portfolio_schema.py``. Every other ``heavy.*`` input has no effect on a light book.
LIGHT_READS_HEAVY = ("heavy.cards_per_server", "heavy.gpu", "heavy.price_cny_per_card_hour")


class PortfolioError(ScenarioError):
    """Invalid portfolio input: one :class:`Problem` per bad field, named by its dotted path."""


class Company(_Section):
    """Company-level lines: costs no cohort carries, and a company term loan."""

    staff_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Company staff", zh="公司人工", group="company", ge=0, le=1e10, step=10_000,
        help="Head-office staff not charged to any cohort, months 1 to the horizon.",
        help_zh="不归属任何机群的总部人员费用，第1月至测算期末。")
    platform_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Platform", zh="平台费用", group="company", ge=0, le=1e10, step=10_000,
        help="Scheduling platform, software and cloud tooling shared by the cohorts, months 1 to the horizon.",
        help_zh="各机群共用的调度平台、软件与云工具费用，第1月至测算期末。")
    overhead_cny_per_month: Finite = fld(
        0.0, unit="CNY/month", en="Overheads", zh="管理费用", group="company", ge=0, le=1e10, step=10_000,
        help="Offices, sales, listing and audit costs, months 1 to the horizon.",
        help_zh="办公、销售、上市与审计等管理费用，第1月至测算期末。")
    loan_cny: Finite = fld(
        0.0, unit="CNY", en="Company loan", zh="公司贷款", group="company", ge=0, le=1e12, step=100_000,
        help="A term loan to the company, drawn at loan_draw_month and repaid in level monthly payments "
        "(annuity); any balance left at the horizon is repaid then. 0 = none.",
        help_zh="公司层面的定期贷款，于提款月提取、等额本息按月偿还；测算期末未还余额一次性偿还。0 = 无。")
    loan_draw_month: int = fld(
        0, unit="months", en="Loan draw month", zh="贷款提款月", group="company", ge=0, le=359,
        help="Company month in which the company loan is drawn (before the horizon).",
        help_zh="公司贷款的提款月（须早于测算期末）。")
    loan_rate_per_year: Finite = fld(
        0.045, unit="fraction/year", en="Company loan rate", zh="公司贷款利率", group="company", ge=0, le=0.5,
        step=0.001, help="Nominal annual rate, charged monthly (rate ÷ 12), as heavy.loan_rate_per_year.",
        help_zh="名义年利率，按月计息（利率 ÷ 12）。")
    loan_term_months: int = fld(
        36, unit="months", en="Company loan term", zh="公司贷款期限", group="company", ge=1, le=360,
        help="Months of level payments after the draw.", help_zh="提款后等额还款的月数。")


class Shocks(_Section):
    """Company-wide multipliers on every cohort's inputs (1 = no shock), for sweeps and Monte Carlo."""

    price_factor: Finite = fld(
        1.0, unit="×", en="All rental prices", zh="全部租金", group="shocks", ge=0, le=10, step=0.05,
        help="Multiplies every cohort's rental prices: heavy.price_cny_per_card_hour and the light books' "
        "resale prices (light.price_cny_per_card_hour, light.sell_price_cny_per_p_year).",
        help_zh="所有机群的租金乘数（重资产卡时价与轻资产转租价）。")
    occupancy_factor: Finite = fld(
        1.0, unit="×", en="All occupancies", zh="全部出租率", group="shocks", ge=0, le=10, step=0.05,
        help="Multiplies every cohort's steady and initial occupancy, capped at 1.",
        help_zh="所有机群稳定期与初始出租率的乘数，上限为1。")
    capex_factor: Finite = fld(
        1.0, unit="×", en="All server capex", zh="全部设备投资", group="shocks", ge=0, le=10, step=0.05,
        help="Multiplies every heavy cohort's server, network, parts and other infrastructure cost.",
        help_zh="所有重资产机群的服务器、交换机、零配件与其他基建投资乘数。")
    electricity_factor: Finite = fld(
        1.0, unit="×", en="All electricity tariffs", zh="全部电价", group="shocks", ge=0, le=10, step=0.05,
        help="Multiplies heavy.electricity_cny_per_kwh and heavy.energy_fixed_cny_per_server_month.",
        help_zh="电价与固定电费乘数。")
    buy_price_factor: Finite = fld(
        1.0, unit="×", en="All capacity buy prices", zh="全部算力采购价", group="shocks", ge=0, le=10,
        step=0.05, help="Multiplies every light book's buy price (light.buy_price_cny_per_p_year).",
        help_zh="所有轻资产算力采购价乘数。")


#: The inputs each shock multiplies, in every cohort (occupancies are capped at 1 afterwards).
SHOCKED: dict[str, tuple[str, ...]] = {
    "price_factor": ("heavy.price_cny_per_card_hour", "light.price_cny_per_card_hour",
                     "light.sell_price_cny_per_p_year"),
    "occupancy_factor": ("heavy.occupancy", "heavy.occupancy_start", "light.occupancy", "light.occupancy_start"),
    "capex_factor": ("heavy.server_price_cny", "heavy.network_cost_cny", "heavy.parts_cost_cny",
                     "heavy.other_infrastructure_cny"),
    "electricity_factor": ("heavy.electricity_cny_per_kwh", "heavy.energy_fixed_cny_per_server_month"),
    "buy_price_factor": ("light.buy_price_cny_per_p_year",),
}
CAPPED_AT_ONE = frozenset({"heavy.occupancy", "heavy.occupancy_start", "light.occupancy", "light.occupancy_start"})


class CohortSpec(_Section):
    """One cohort's table in the file, without its ``[heavy]`` / ``[light]`` overrides."""

    scenario: str | None = Field(None, min_length=1, max_length=400)
    like: str | None = Field(None, min_length=1, max_length=40)
    model: Literal["heavy", "light"] = fld(
        "heavy", unit="", en="Business model", zh="业务模式", group="cohort",
        choice_labels={"heavy": ("重资产（直租）", "Owned servers"), "light": ("轻资产（转租）", "Sub-leased")},
        help="heavy: owned servers rented by the card-hour; light: capacity bought per P-year and resold.",
        help_zh="heavy：自有服务器按卡时出租；light：按P·年采购算力并转租。")
    label: str = Field("", max_length=80)
    purchase_month: int | None = fld(
        None, unit="months", en="Purchase month", zh="购置月", group="cohort", ge=0, le=359,
        help="Company month of the purchase (capex paid, loan drawn): the cohort's month 0. Default 0, or "
        "the predecessor's retire_month for a successor.",
        help_zh="购置所在的公司月份（支付设备款、提取贷款），即该机群的第0月。")
    slip_months: int = fld(
        0, unit="months", en="Delivery slip", zh="交付延迟", group="cohort", ge=0, le=36,
        help="Months the late share of the servers arrives after the planned lead time (capex is paid in full "
        "at purchase).", help_zh="延迟交付部分比计划交付周期晚到的月数（设备款于购置时全额支付）。")
    late_share: Finite = fld(
        0.0, unit="fraction of servers", en="Share delivered late", zh="延迟交付比例", group="cohort", ge=0,
        le=1, step=0.05, help="Share of the cohort's servers (and its fixed costs) delivered slip_months late.",
        help_zh="延迟交付的服务器（及其固定费用）占比。")
    retire_month: int | None = fld(
        None, unit="months", en="Retire month", zh="退役月", group="cohort", ge=1, le=360,
        help="Company month in which the cohort is sold: its timeline ends, its loan is repaid and the resale "
        "is received. Empty = kept to the horizon.",
        help_zh="机群出售的公司月份：其时间线结束、贷款还清并收回转售款。留空 = 持有至测算期末。")
    resale_share_of_book: Finite | None = fld(
        None, unit="fraction of book value", en="Resale value", zh="转售价值", group="cohort", ge=0, le=2,
        step=0.05, help="Resale price at retire_month as a share of the book value then. Empty = the "
        "scenario's heavy.terminal_value_fraction.",
        help_zh="退役时的转售价占当时账面净值的比例。留空 = 采用情景的期末残值回收比例。")
    successor: str | None = Field(None, min_length=1, max_length=40)


#: Declared inputs of the portfolio by dotted path (``general.*``, ``company.*``, ``shocks.*``); the
#: cohort fields by name (:data:`COHORT_FIELDS`; addressed as ``cohorts.<name>.<field>``).
FIELDS: dict[str, FieldSpec] = {**field_specs(General, "general"), **field_specs(Company, "company"),
                                **field_specs(Shocks, "shocks")}
COHORT_FIELDS: dict[str, FieldSpec] = {k: v for k, v in field_specs(CohortSpec).items()
                                       if k not in ("scenario", "like", "label", "successor")}
TOP_KEYS = ("name", "description", "general", "company", "shocks", "cohorts")
OVERRIDE_TABLES = ("heavy", "light")


@dataclass(frozen=True)
class Cohort:
    """A resolved cohort: its scenario (with the company's ``[general]``) and its timing in company
    months. ``late_share`` applies only when ``slip_months`` > 0."""

    name: str
    label: str
    model: Literal["heavy", "light"]
    scenario: Scenario
    purchase_month: int
    slip_months: int = 0
    late_share: float = 0.0
    retire_month: int | None = None
    resale_share_of_book: float | None = None
    successor: str | None = None
    origin: str = "inline"  # "inline", "file <path>" or "like <cohort>"

    @property
    def gpu(self) -> str:
        """The GPU of the capacity: the servers owned, or for a light book the GPU sub-leased
        (``light.gpu``, else ``heavy.gpu``) — the fleet's grouping by GPU."""
        s = self.scenario
        return (s.light.gpu or s.heavy.gpu) if self.model == "light" else s.heavy.gpu

    @property
    def tflops_per_card(self) -> float:
        """Dense FP16 TFLOPS per card of the cohort's GPU (the catalogue), for its capacity in P."""
        return catalog.GPUS[self.gpu].fp16_tflops

    @property
    def end_month(self) -> int:
        """Company month in which the cohort's timeline ends (its retirement or the horizon)."""
        return self.retire_month if self.retire_month is not None else self.scenario.general.horizon_months


@dataclass(frozen=True)
class Portfolio:
    """A validated portfolio. Frozen: build variants with :meth:`replace`; ``doc`` is the file's data
    (file references as written), ``folder`` the folder they are resolved in (None: text only)."""

    name: str
    description: str
    general: General
    company: Company
    shocks: Shocks
    cohorts: tuple[Cohort, ...]
    doc: Mapping[str, Any] = field(repr=False)
    folder: Path | None = None
    notes: tuple[str, ...] = ()

    @property
    def horizon_months(self) -> int:
        return self.general.horizon_months

    def cohort(self, name: str) -> Cohort:
        for c in self.cohorts:
            if c.name == name:
                return c
        raise UnknownFieldError(f"unknown cohort {name!r}{did_you_mean(name, [c.name for c in self.cohorts])}")

    def get(self, path: str) -> Any:
        """Value of a dotted path: ``general.tax_rate``, ``company.loan_cny``, ``shocks.price_factor``,
        ``cohorts.lot1.purchase_month``, ``cohorts.lot1.heavy.servers``."""
        field_spec(path)
        head, _, rest = path.partition(".")
        if head != "cohorts":
            return getattr(getattr(self, head), rest)
        name, _, sub = rest.partition(".")
        c = self.cohort(name)
        return c.scenario.get(sub) if "." in sub else getattr(c, sub)

    def replace(self, changes: Mapping[str, Any]) -> Portfolio:
        """A new validated portfolio with some dotted paths changed (in the file's data). ``None``
        removes the path from the file: the input falls back to its default, or for a cohort's
        ``heavy.*`` / ``light.*`` input to its scenario file's (or ``like`` cohort's) value."""
        doc = copy.deepcopy(dict(self.doc))
        for path, value in changes.items():
            field_spec(path)
            parts = path.split(".")
            if parts[0] == "cohorts":
                self.cohort(parts[1])  # a typo must not add a cohort (with_cohort does that)
            table = doc
            for part in parts[:-1]:
                table = table.setdefault(part, {})
            if value is None:
                table.pop(parts[-1], None)
            else:
                table[parts[-1]] = value.item() if hasattr(value, "item") else value
        return validate_portfolio(doc, self.folder)

    def with_cohort(self, name: str, table: Mapping[str, Any]) -> Portfolio:
        """A new validated portfolio with cohort ``name`` added (or replaced) by its file table, e.g.
        ``{"like": "lot1", "purchase_month": 6, "heavy": {"servers": 10}}``."""
        doc = copy.deepcopy(dict(self.doc))
        doc.setdefault("cohorts", {})[name] = copy.deepcopy(dict(table))
        return validate_portfolio(doc, self.folder)

    def without_cohort(self, name: str) -> Portfolio:
        """A new validated portfolio without cohort ``name`` (refused while another cohort refers to it)."""
        self.cohort(name)
        doc = copy.deepcopy(dict(self.doc))
        del doc["cohorts"][name]
        return validate_portfolio(doc, self.folder)

    def to_toml(self) -> str:
        return dump_toml(self.doc)

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        """Write the file atomically; refuse an existing file unless ``overwrite`` (exclusive create:
        no check-then-write race). References are checked against the new file's folder first."""
        target = Path(path)
        validate_portfolio(copy.deepcopy(dict(self.doc)), target.resolve().parent, origin=str(target))
        atomic_write_bytes(target, self.to_toml().encode("utf-8"), exclusive=not overwrite)


# --------------------------------------------------------------------------- dotted paths
def field_spec(path: str) -> FieldSpec:
    """The declaration of a portfolio path, with ``path`` set to the full dotted path: the company's
    fields, or ``cohorts.<name>.<timing field>`` / ``cohorts.<name>.heavy.<field>`` (the scenario's).
    Cohort names are not checked here (see :meth:`Portfolio.cohort`)."""
    head, _, rest = path.partition(".")
    if head != "cohorts":
        return find_spec(FIELDS, path, otherwise="; portfolio inputs are general.*, company.*, shocks.* and "
                         "cohorts.<name>.*")
    name, _, sub = rest.partition(".")
    if not NAME.match(name) or not sub:
        raise UnknownFieldError(f"unknown field {path!r}: write cohorts.<name>.<field>, e.g. "
                                "cohorts.lot1.heavy.price_cny_per_card_hour")
    if sub.startswith("general."):
        raise UnknownFieldError(f"{path}: a cohort has no general inputs of its own; set {sub} once for the "
                                "company")
    spec = find_spec(SCENARIO_FIELDS, sub) if "." in sub else find_spec(COHORT_FIELDS, sub)
    return _renamed(spec, path)


def _renamed(spec: FieldSpec, path: str) -> FieldSpec:
    from dataclasses import replace

    return replace(spec, path=path)


# --------------------------------------------------------------------------- reading
def is_portfolio(data: Mapping[str, Any]) -> bool:
    """Whether parsed TOML data is a portfolio (it has a ``[cohorts]`` table) rather than a scenario."""
    return isinstance(data, Mapping) and "cohorts" in data


def parse(text: str, origin: str = "", folder: Path | None = None) -> Portfolio:
    """Parse and validate the text of a portfolio file; ``folder`` resolves its file references
    (None: a portfolio given as text may not reference files)."""
    if not text.strip():
        raise PortfolioError([Problem("file", MISSING, "empty file: a portfolio needs a [cohorts] table")], origin)
    return validate_portfolio(parse_toml_text(text, origin, PortfolioError), folder, origin=origin)


def load(path: str | os.PathLike[str]) -> Portfolio:
    """Load and validate a portfolio file (TOML, at most 1 MB, UTF-8)."""
    p = Path(path)
    return parse(read_input(p, PortfolioError), str(p), p.resolve().parent)


def validate_portfolio(data: Any, folder: Path | None = None, *, origin: str = "") -> Portfolio:
    """A :class:`Portfolio` from plain data, or :class:`PortfolioError` listing every problem."""
    from finmodel.schema.portfolio_cohorts import cohort_specs, resolve_cohorts, section

    if not isinstance(data, dict):
        raise PortfolioError([Problem("portfolio", data, "expected a table")], origin)
    problems: list[Problem] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(key, MISSING, f"unknown table or key (a typo?){did_you_mean(key, TOP_KEYS)}; "
                                    f"allowed: {', '.join(TOP_KEYS)}"))
    general = section(General, "general", data.get("general", {}), problems)
    company = section(Company, "company", data.get("company", {}), problems)
    shocks = section(Shocks, "shocks", data.get("shocks", {}), problems)
    name, description = data.get("name", "Unnamed portfolio"), data.get("description", "")
    if not isinstance(name, str) or not 1 <= len(name) <= 120:
        problems.append(Problem("name", name, "must be text of 1-120 characters"))
    if not isinstance(description, str) or len(description) > 4000:
        problems.append(Problem("description", description, "must be text of at most 4,000 characters"))
    specs, names = cohort_specs(data.get("cohorts"), problems)
    if general is None or company is None or shocks is None:
        raise PortfolioError(problems, origin)
    cohorts, notes = resolve_cohorts(specs, names, general, folder, problems)
    if company.loan_cny > 0 and company.loan_draw_month >= general.horizon_months:
        problems.append(Problem("company.loan_draw_month", company.loan_draw_month,
                                f"at or past the company horizon; allowed: 0 ≤ value < {general.horizon_months}"))
    if problems:
        raise PortfolioError(problems, origin)
    return Portfolio(name, description, general, company, shocks, tuple(cohorts), copy.deepcopy(data), folder,
                     tuple(notes))
