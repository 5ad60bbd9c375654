"""Inputs that do nothing under the chosen switches, declared once as a table of rules.

Each :class:`Rule` names the fields, the switch condition under which they have no effect on any
result, and (optionally) why. The CLI (``finmodel validate`` / ``evaluate``: one ``warning:`` line
per input written in the file that a rule disables), the dashboard (greyed inputs with the reason)
and the workbook (an "inactive" mark computed live from :meth:`Rule.formula`) all read this table.
Rules are tried in order; the first that holds explains a field.

>>> from finmodel import schema
>>> s = schema.validate({"general": {}, "heavy": {"staff_cny_per_month": 50000.0}, "light": {}})
>>> [w.text() for w in warnings(s)]
["heavy.staff_cny_per_month has no effect while heavy.cash_cost_method = 'ratio'"]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from finmodel.schema import catalog, deal_revenue
from finmodel.schema.scenario import FIELDS, SECTIONS, Scenario
from finmodel.schema.sections import RENAMED_WHY

__all__ = ["Ref", "When", "Rule", "Finding", "RULES", "inactive", "written", "warnings", "notes"]

Op = Literal["==", "!=", "in", ">=", "set", "unset", "given"]  # given: a list input with at least one item


@dataclass(frozen=True)
class Ref:
    """Another input's value as the right-hand side of a condition (``>= general.horizon_months``)."""

    path: str


@dataclass(frozen=True)
class When:
    """A condition on one input: ``path op value``."""

    path: str
    op: Op
    value: Any = None

    def holds(self, s: Scenario) -> bool:
        v = s.get(self.path)
        rhs = s.get(self.value.path) if isinstance(self.value, Ref) else self.value
        if self.op == "given":
            return bool(v)
        if self.op == "set":
            return v is not None
        if self.op == "unset":
            return v is None
        if self.op == "==":
            return v == rhs
        if self.op == "!=":
            return v != rhs
        if self.op == "in":
            return v in rhs
        return v is not None and rhs is not None and v >= rhs

    def text(self, lang: str = "en") -> str:
        """The condition in words: ``heavy.cash_cost_method = 'ratio'``, ``light.gpu is empty``."""
        zh = lang == "zh"
        if self.op in ("set", "unset", "given"):
            word = {("set", False): "is set", ("unset", False): "is empty", ("set", True): "已填写",
                    ("unset", True): "留空", ("given", False): "is given", ("given", True): "已填写"}[(self.op, zh)]
            return f"{self.path} {word}"
        if self.op == "in":
            return f"{self.path} = " + (" 或 " if zh else " or ").join(repr(v) for v in self.value)
        rhs = self.value.path if isinstance(self.value, Ref) else _shown(self.value)
        return f"{self.path} {'=' if self.op == '==' else '≠' if self.op == '!=' else '≥'} {rhs}"

    def formula(self) -> str:
        """The condition as Excel text over the inputs' defined names (``heavy_loan_share_of_capex=0``)."""
        name = _name(self.path)
        if self.op == "given":
            return f"COUNT({name})>0"
        if self.op in ("set", "unset"):
            return f"ISBLANK({name})=" + ("FALSE" if self.op == "set" else "TRUE")
        if self.op == "in":
            return "OR(" + ",".join(f'{name}="{v}"' for v in self.value) + ")"
        rhs = _name(self.value.path) if isinstance(self.value, Ref) else _excel(self.value)
        return f"{name}{'=' if self.op == '==' else '<>' if self.op == '!=' else '>='}{rhs}"


@dataclass(frozen=True)
class Rule:
    """``fields`` have no effect while every condition in ``when`` holds (``when = ()``: never)."""

    fields: tuple[str, ...]
    when: tuple[When, ...]
    why_en: str = ""
    why_zh: str = ""

    def holds(self, s: Scenario) -> bool:
        return all(w.holds(s) for w in self.when)

    def formula(self) -> str:
        """Excel: TRUE while the rule holds (B's "inactive" column and conditional formatting)."""
        parts = [w.formula() for w in self.when]
        return "TRUE" if not parts else parts[0] if len(parts) == 1 else "AND(" + ",".join(parts) + ")"


@dataclass(frozen=True)
class Finding:
    """One input that has no effect, and the rule that says so."""

    path: str
    rule: Rule

    def text(self, lang: str = "en") -> str:
        """``heavy.staff_cny_per_month has no effect while heavy.cash_cost_method = 'ratio'``."""
        zh = lang == "zh"
        cond = (" 且 " if zh else " and ").join(w.text(lang) for w in self.rule.when)
        why = self.rule.why_zh if zh else self.rule.why_en
        if zh:
            out = f"{self.path} 在 {cond} 时无效" if cond else f"{self.path} 无效"
            return out + (f"（{why}）" if why else "")
        out = f"{self.path} has no effect" + (f" while {cond}" if cond else "")
        return out + (f" ({why})" if why else "")


def _shown(v: Any) -> str:
    return repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)


def _excel(v: Any) -> str:
    return f'"{v}"' if isinstance(v, str) else str(int(v)) if float(v).is_integer() else repr(float(v))


def _name(path: str) -> str:
    """The workbook's defined name of an input (the rule of ``finmodel.model.engine.name_of``)."""
    return path.replace(".", "_")


H, L, F = "heavy.", "light.", "financing."
_BOTTOM_UP = tuple(H + f for f in (
    "energy_method", "power_kw_per_server", "pue", "electricity_cny_per_kwh", "idle_power_fraction",
    "energy_fixed_cny_per_server_month", "om_share_of_revenue", "om_fixed_cny_per_server_month",
    "colocation_cny_per_server_month", "staff_cny_per_month", "other_cny_per_month", "other_share_of_revenue"))
_METERED = tuple(H + f for f in ("power_kw_per_server", "pue", "electricity_cny_per_kwh", "idle_power_fraction"))
#: The debt terms of ``[financing]`` (issue 12), without effect when there is no debt.
_DEBT_TERMS = tuple(F + f for f in ("type", "repayment", "grace_months", "lead_time_interest", "upfront_fee_share",
                                    "covenant_dscr", "lease_deposit_share", "lease_buyout_share"))

T, SUB, ESC = "tax.", "subsidy.", "escalation."
#: Issue 12's tax, subsidy and escalation inputs (finmodel/schema/deal_tax.py).
DEAL_TAX_RULES: tuple[Rule, ...] = (
    Rule((T + "loss_years_standard", T + "loss_years_hnte_tsme", T + "enterprise"),
         (When(T + "loss_carry_forward", "==", "unlimited"),), "losses never expire", "亏损不会作废"),
    Rule((T + "loss_years_standard",), (When(T + "enterprise", "==", "hnte_tsme"),)),
    Rule((T + "loss_years_hnte_tsme",), (When(T + "enterprise", "==", "standard"),)),
    Rule((T + "settlement_months_after_year_end",), (When(T + "basis", "==", "cumulative"),),
         "the cumulative basis has no tax years to settle", "累计口径不分纳税年度，无汇算清缴"),
    Rule((T + "one_off_limit_cny_per_unit", T + "one_off_first_month", T + "one_off_last_month"),
         (When(T + "one_off_deduction", "==", "off"),)),
    Rule((T + "depreciation_life_years",), (When(T + "depreciation_method", "unset"),
                                            When(H + "depreciation_method", "==", "declining_balance_monthly")),
         "the tax depreciation is the book's (monthly declining balance on its own life)",
         "计税折旧同账面（按月余额递减法按账面年限）"),
    # without income tax the loss and period rules change nothing (tax depreciation still shows its own line)
    Rule((T + "basis", T + "loss_carry_forward", T + "enterprise", T + "loss_years_standard",
          T + "loss_years_hnte_tsme", T + "settlement_months_after_year_end"),
         (When("general.tax_rate", "==", 0.0),), "no income tax", "无所得税"),
    Rule((SUB + "capex_grant_month", SUB + "capex_grant_tax"), (When(SUB + "capex_grant_share", "==", 0.0),)),
    Rule((SUB + "voucher_months",), (When(SUB + "voucher_share_of_revenue", "==", 0.0),)),
    Rule(("fx.cny_per_usd",), (When("fx.server_price_usd", "unset"),)),
    Rule((H + "server_price_cny",), (When("fx.server_price_usd", "set"),),
         "the price is fx.server_price_usd × fx.cny_per_usd", "价格为 fx.server_price_usd × fx.cny_per_usd"),
    Rule((ESC + "electricity_per_year", ESC + "staff_per_year", ESC + "colocation_per_year", ESC + "om_fixed_per_year"),
         (When(H + "cash_cost_method", "==", "ratio"),)),
)

#: Every rule, in the order they are tried.
RULES: tuple[Rule, ...] = (
    Rule(("general.currency",), (), "only CNY exists", "目前只有人民币"),
    Rule(_BOTTOM_UP, (When(H + "cash_cost_method", "==", "ratio"),)),
    Rule((H + "noncash_share_of_cost",), (When(H + "cash_cost_method", "==", "bottom_up"),)),
    Rule(_METERED, (When(H + "energy_method", "==", "fixed"),)),
    Rule((H + "energy_fixed_cny_per_server_month",), (When(H + "energy_method", "==", "metered"),)),
    Rule((H + "monthly_price_factor",), (When(H + "billing_mode", "==", "hourly"),)),
    Rule((H + "annual_discount_factor",), (When(H + "billing_mode", "in", ("hourly", "monthly")),)),
    Rule((H + "occupancy_start",), (When(H + "ramp_months", "==", 0),)),
    Rule((H + "declining_balance_factor",), (When(H + "depreciation_method", "!=", "declining_balance_monthly"),),
         "double_declining always uses 2", "双倍余额递减法固定为2"),
    Rule((H + "terminal_value_fraction",), (When(H + "terminal_value_method", "!=", "book_value"),)),
    Rule((H + "resale_fraction_of_capex",), (When(H + "terminal_value_method", "!=", "resale_fraction"),)),
    Rule((H + "resale_decline_per_year",), (When(H + "terminal_value_method", "!=", "resale_decline"),)),
    Rule((H + "loan_rate_per_year", H + "loan_term_months", *_DEBT_TERMS),
         (When(H + "loan_share_of_capex", "==", 0), When(F + "sizing", "==", "loan_to_cost")), "no debt", "无债务"),
    Rule((H + "loan_share_of_capex",), (When(F + "sizing", "==", "target_dscr"),),
         "the debt is sized by the target DSCR", "债务按目标覆盖率测算"),
    Rule((F + "target_dscr", F + "max_loan_to_cost"), (When(F + "sizing", "==", "loan_to_cost"),)),
    Rule((F + "lease_deposit_share", F + "lease_buyout_share"), (When(F + "type", "==", "loan"),)),
    Rule((F + "grace_months", F + "lease_buyout_share"), (When(F + "repayment", "==", "bullet"),),
         "a bullet is interest only until maturity", "到期一次还本：到期前只付息"),
    Rule((F + "lead_time_interest",), (When(H + "lead_time_months", "==", 0),), "no lead time", "无交付期"),
    Rule((L + "price_cny_per_card_hour",), (When(L + "sell_price_basis", "==", "p_year"),)),
    Rule((L + "sell_price_cny_per_p_year",), (When(L + "sell_price_basis", "==", "card_hour"),)),
    Rule((L + "gpu", L + "tflops_per_card"), (When(L + "p_per_server_override", "set"),)),
    Rule((L + "gpu",), (When(L + "tflops_per_card", "set"),)),
    Rule((L + "occupancy_start",), (When(L + "ramp_months", "==", 0),)),
    Rule((L + "vas_cost_share",), (When(L + "vas_revenue_cny_per_p_year", "==", 0),)),
    Rule((L + "platform_life_years",), (When(L + "platform_investment_cny", "==", 0),)),
    Rule((L + "buy_term_months",), (When(L + "after_buy_term", "==", "rebuy"),),
         "the capacity is re-bought at the stepped price, so the flows go on unchanged",
         "到期按变动后价格续购，现金流不变"),
    Rule((L + "buy_term_months",), (When(L + "buy_term_months", ">=", Ref("general.horizon_months")),),
         "the commitment outlasts the horizon", "承诺期不短于测算期"),
    Rule((L + "after_buy_term",), (When(L + "buy_term_months", "unset"),),
         "the commitment covers the whole horizon", "承诺期覆盖整个测算期"),
    *deal_revenue.inert_rules(),
    *DEAL_TAX_RULES,
)

_FIELD_ORDER = {p: i for i, p in enumerate(FIELDS)}


def inactive(s: Scenario) -> dict[str, Finding]:
    """Every input that has no effect under ``s``'s switches (written or not), in field order."""
    out: dict[str, Finding] = {}
    for rule in RULES:
        if rule.holds(s):
            for path in rule.fields:
                out.setdefault(path, Finding(path, rule))
    return dict(sorted(out.items(), key=lambda kv: _FIELD_ORDER[kv[0]]))


def written(s: Scenario) -> set[str]:
    """The inputs a scenario's file (or data) wrote explicitly, as dotted paths."""
    return {f"{section}.{name}" for section in SECTIONS for name in getattr(s, section).model_fields_set}


def warnings(s: Scenario) -> list[Finding]:
    """The inputs written in the file that have no effect: one finding each, in field order."""
    wrote = written(s)
    return [f for p, f in inactive(s).items() if p in wrote]


def notes(s: Scenario) -> list[str]:
    """Things worth a ``note:`` line, not a warning: a value given under an old name, and a written
    catalogue value that differs from the catalogue's figure for the chosen GPU."""
    out = [f"{path} = {old!r} is now called {new!r}: {RENAMED_WHY[(path, old)]}" for path, old, new in s.heavy.renamed]
    index = deal_revenue.price_index_note(s)
    if index:
        out.append(index)
    gpu = catalog.GPUS[s.heavy.gpu]
    if s.heavy.power_kw_per_server is not None and s.heavy.power_kw_per_server != gpu.server_power_kw:
        out.append(f"heavy.power_kw_per_server = {s.heavy.power_kw_per_server:g} overrides the catalogue's "
                   f"{gpu.server_power_kw:g} kW for {gpu.key!r}")
    light_gpu = catalog.GPUS[s.light.gpu or s.heavy.gpu]
    figure = light_gpu.dense_tflops(s.light.precision)
    if s.light.tflops_per_card is not None and figure is not None and s.light.tflops_per_card != figure:
        out.append(f"light.tflops_per_card = {s.light.tflops_per_card:g} overrides the catalogue's {figure:g} "
                   f"{s.light.precision} TFLOPS for {light_gpu.key!r}")
    return out
