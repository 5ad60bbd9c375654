"""Issue 11 (and 13): inputs that do nothing say so, and each switch is read through one flag.

Every rule of ``finmodel/schema/inert.py`` is checked against the engine: under the rule's
condition, changing the input it names changes no result at all.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from finmodel import model, schema
from finmodel.cli import app
from finmodel.model import engine, heavy, light
from finmodel.schema import catalog, inert

from .conftest import PRESETS, SEED_FILE

FORGOT_THE_METHOD = """name = "bottom-up inputs, no method"
[general]
[heavy]
staff_cny_per_month = 60000.0
colocation_cny_per_server_month = 8000.0
electricity_cny_per_kwh = 0.65
om_share_of_revenue = 0.05
{method}
[light]
"""


def _write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "case.toml"
    f.write_text(text, encoding="utf-8")
    return f


def test_bottom_up_inputs_without_the_method_warn_in_validate_and_evaluate(tmp_path):
    f = _write(tmp_path, FORGOT_THE_METHOD.format(method=""))
    for command in (["validate", str(f)], ["evaluate", str(f)], ["evaluate", str(f), "--json"]):
        res = CliRunner().invoke(app, command)
        assert res.exit_code == 0, res.stderr
        warnings = [x for x in res.stderr.splitlines() if x.startswith("warning:")]
        assert len(warnings) == 4, res.stderr
        for field in ("staff_cny_per_month", "colocation_cny_per_server_month", "electricity_cny_per_kwh",
                      "om_share_of_revenue"):
            assert any(f"heavy.{field} has no effect while heavy.cash_cost_method = 'ratio'" in w for w in warnings)
    strict = CliRunner().invoke(app, ["validate", str(f), "--strict"])
    assert strict.exit_code == 2 and "--strict" in strict.stderr


def test_the_same_inputs_costed_give_no_warning_and_another_payback(tmp_path):
    quiet = _write(tmp_path, FORGOT_THE_METHOD.format(method='cash_cost_method = "bottom_up"'))
    res = CliRunner().invoke(app, ["validate", str(quiet), "--strict"])
    assert res.exit_code == 0 and res.stderr == "" and res.stdout.startswith("ok:")
    costed = model.evaluate(schema.load(quiet)).heavy["payback_months"]
    ratio = model.evaluate(schema.load(_write(tmp_path, FORGOT_THE_METHOD.format(method="")))).heavy["payback_months"]
    assert costed > ratio  # what the warning protects against: the cheaper 60:40 answer, silently


@pytest.mark.parametrize("path", [SEED_FILE, *PRESETS], ids=lambda p: Path(p).name)
def test_shipped_presets_write_no_inert_input(path):
    res = CliRunner().invoke(app, ["validate", str(path), "--strict"])
    assert res.exit_code == 0 and "warning:" not in res.stderr, res.stderr


CASES = [  # (section lines, the warned field, the switch named)
    ("[heavy]\nloan_rate_per_year = 0.06\nloan_term_months = 48\n", "heavy.loan_rate_per_year",
     "heavy.loan_share_of_capex = 0"),
    ('[heavy]\ncash_cost_method = "bottom_up"\nenergy_method = "fixed"\npue = 1.3\n', "heavy.pue",
     "heavy.energy_method = 'fixed'"),
    ('[heavy]\ncash_cost_method = "bottom_up"\nenergy_fixed_cny_per_server_month = 7000.0\n',
     "heavy.energy_fixed_cny_per_server_month", "heavy.energy_method = 'metered'"),
    ("[heavy]\npue = 1.3\n", "heavy.pue", "heavy.cash_cost_method = 'ratio'"),
    ("[heavy]\ndeclining_balance_factor = 1.5\n", "heavy.declining_balance_factor",
     "heavy.depreciation_method ≠ 'declining_balance_monthly'"),
    ('[general]\ncurrency = "CNY"\n', "general.currency", "only CNY exists"),
    ('[light]\nsell_price_basis = "p_year"\nsell_price_cny_per_p_year = 3e5\nprice_cny_per_card_hour = 30.0\n',
     "light.price_cny_per_card_hour", "light.sell_price_basis = 'p_year'"),
    ("[light]\nsell_price_cny_per_p_year = 3e5\n", "light.sell_price_cny_per_p_year",
     "light.sell_price_basis = 'card_hour'"),
    ("[heavy]\noccupancy_start = 0.3\n", "heavy.occupancy_start", "heavy.ramp_months = 0"),
    ("[light]\noccupancy_start = 0.3\n", "light.occupancy_start", "light.ramp_months = 0"),
    ("[heavy]\nmonthly_price_factor = 0.7\nannual_discount_factor = 0.8\n", "heavy.monthly_price_factor",
     "heavy.billing_mode = 'hourly'"),
    ('[heavy]\nbilling_mode = "monthly"\nannual_discount_factor = 0.8\n', "heavy.annual_discount_factor",
     "heavy.billing_mode = 'hourly' or 'monthly'"),
    ("[heavy]\nresale_fraction_of_capex = 0.2\n", "heavy.resale_fraction_of_capex",
     "heavy.terminal_value_method ≠ 'resale_fraction'"),
    ("[light]\nbuy_term_months = 24\n", "light.buy_term_months", "light.after_buy_term = 'rebuy'"),
    ('[light]\nafter_buy_term = "drop"\n', "light.after_buy_term", "light.buy_term_months is empty"),
    ('[light]\np_per_server_override = 2.5\ntflops_per_card = 312.0\n', "light.tflops_per_card",
     "light.p_per_server_override is set"),
]


@pytest.mark.parametrize(("lines", "field", "switch"), CASES, ids=[c[1] for c in CASES])
def test_each_inert_case_warns_naming_the_input_and_the_switch(tmp_path, lines, field, switch):
    sections = {"[general]": "", "[heavy]": "", "[light]": ""}
    head = lines.split("\n", 1)[0]
    sections[head] = lines.split("\n", 1)[1]
    text = "\n".join(f"{h}\n{body}" for h, body in sections.items())
    res = CliRunner().invoke(app, ["validate", str(_write(tmp_path, text))])
    assert res.exit_code == 0, res.stderr
    assert any(w.startswith(f"warning: {field} has no effect") and switch in w for w in res.stderr.splitlines()), \
        res.stderr


# --------------------------------------------------------------------------- the rules are true
def _satisfy(s: schema.Scenario, w: inert.When) -> dict[str, Any]:
    """Changes that make the condition ``w`` hold on ``s``."""
    spec = schema.field_spec(w.path)
    if w.op == "==":
        return {w.path: w.value}
    if w.op == "!=":
        return {w.path: next(c for c in spec.choices if c != w.value)}
    if w.op == "in":
        return {w.path: w.value[0]}
    if w.op == "set":
        return {w.path: {"light.p_per_server_override": 2.5, "light.tflops_per_card": 500.0,
                         "fx.server_price_usd": 150_000.0}[w.path]}
    if w.op == "unset":
        return {w.path: None}
    if w.op == "given":  # a list input (issue 12's price index) with factors
        return {w.path: [1.0, 0.8, 0.9]}
    return {w.path: s.get(w.value.path) + 12}  # >= another input


def _other(spec: schema.FieldSpec, value: Any) -> Any:
    """A different valid value of the input (the same one where there is no other)."""
    if spec.kind == "choice":
        return next((c for c in spec.choices if c != value), value)
    lo, hi = spec.closed_bounds()
    base = value if value is not None else spec.default if spec.default is not None else (lo + min(hi, lo + 100)) / 2
    new = min(max(base * 0.7 + hi * 0.3 if math.isfinite(hi) else base + 1, lo), hi)
    return round(new) if spec.kind in ("int", "month") else new


#: What an inert input must not move: every result, every headline value, and every money flow
#: (not the per-scenario values that restate an input, such as the TFLOPS per card in use).
ECHOES = {"tflops_per_card"}


def _outcomes(items: list[engine.Item], results: list[engine.Item], order: tuple[str, ...]) -> list[str]:
    return [i.key for i in items
            if ((i.kind == "scalar" and i in results) or i.flow or i.key in order) and i.key not in ECHOES]


OUTCOMES = {"heavy": _outcomes(heavy.ALL, heavy.RESULTS, heavy.SUMMARY_ORDER),
            "light": _outcomes(light.ALL, light.RESULTS, light.SUMMARY_ORDER)}


def _results(s: schema.Scenario) -> dict[str, float]:
    r = model.evaluate(s)
    out = {f"{m}.{k}": getattr(r, m)[k] for m in OUTCOMES for k in OUTCOMES[m] if k in getattr(r, m)}
    for m in OUTCOMES:
        monthly = getattr(r, m + "_monthly")
        out.update({f"{m}.{k}[{t}]": v for k in OUTCOMES[m] if k in monthly for t, v in enumerate(monthly[k])})
    return out


@pytest.mark.parametrize("rule", inert.RULES, ids=[",".join(r.fields) for r in inert.RULES])
def test_changing_an_inert_input_changes_no_result(seed, rule):
    base_changes: dict[str, Any] = {"heavy.loan_share_of_capex": 0.5, "general.tax_rate": 0.25,
                                    "light.platform_investment_cny": 1e6, "heavy.ramp_months": 6,
                                    "light.ramp_months": 6, "light.vas_revenue_cny_per_p_year": 2e4,
                                    "heavy.lead_time_months": 2, "light.buy_term_months": 30,
                                    "light.after_buy_term": "drop", "light.sell_price_cny_per_p_year": 3e5}
    s = seed.replace(base_changes)
    for w in rule.when:
        s = s.replace(_satisfy(s, w))
    assert rule.holds(s)
    before = _results(s)
    for path in rule.fields:
        moved = s.replace({path: _other(schema.field_spec(path), s.get(path))})
        if moved.get(path) == s.get(path):
            continue  # a single-option choice (currency) cannot move
        after = _results(moved)
        for key, v in before.items():
            assert (math.isnan(v) and math.isnan(after[key])) or v == after[key], (path, key, v, after[key])


def test_every_rule_names_declared_fields_and_options():
    for rule in inert.RULES:
        assert rule.fields and all(p in schema.FIELDS for p in rule.fields)
        for w in rule.when:
            spec = schema.field_spec(w.path)
            values = w.value if w.op == "in" else [w.value] if w.op in ("==", "!=") else []
            for v in values:
                assert v in spec.choices or spec.numeric, (w.path, v)


def test_inactive_fields_are_listed_for_the_dashboard_and_workbook(seed):
    found = inert.inactive(seed)  # written or not: what the dashboard greys and the workbook marks
    assert "heavy.staff_cny_per_month" in found and "heavy.noncash_share_of_cost" not in found
    # issue 12: no debt = no loan share and loan-to-cost sizing (a DSCR-sized loan needs no share)
    assert found["heavy.loan_rate_per_year"].rule.formula() == \
        'AND(heavy_loan_share_of_capex=0,financing_sizing="loan_to_cost")'
    assert found["heavy.staff_cny_per_month"].text("zh") == \
        "heavy.staff_cny_per_month 在 heavy.cash_cost_method = 'ratio' 时无效"
    assert inert.warnings(seed) == []  # the seed writes none of them


def test_old_method_name_gives_a_note(tmp_path):
    f = _write(tmp_path, '[general]\n[heavy]\ndepreciation_method = "declining_balance"\n[light]\n')
    res = CliRunner().invoke(app, ["validate", str(f), "--strict"])
    assert res.exit_code == 0
    (note,) = [x for x in res.stderr.splitlines() if x.startswith("note:")]
    assert "'declining_balance' is now called 'declining_balance_monthly'" in note


# --------------------------------------------------------------------------- one flag per switch (issue 13)
def _formulas(items: list[engine.Item]) -> list[str]:
    layout = {i.key: engine.Cell("S", row=n + 10) if i.kind == "row" else engine.Cell("S", name=f"calc_{i.key}")
              for n, i in enumerate(items)}
    ctx = engine.FormulaContext(layout, {"S": 5}, "G", "H", "BO")
    return [ctx.formula(i).text for i in items]


@pytest.mark.parametrize(("items", "path"), [
    (heavy.ALL, "heavy.cash_cost_method"), (heavy.ALL, "heavy.energy_method"), (heavy.ALL, "heavy.billing_mode"),
    (heavy.ALL, "heavy.depreciation_method"), (heavy.ALL, "heavy.terminal_value_method"),
    (light.ALL, "light.sell_price_basis"), (light.ALL, "light.after_buy_term")])
def test_each_switch_is_compared_once_per_option(items, path):
    texts = _formulas(items)
    compares = sum(t.count(engine.name_of(path) + "=") for t in texts)
    flags = [i for i in items if i.en.startswith(f"Switch: {schema.field_spec(path).label_en} =")]
    assert compares == len(flags) >= 1, (path, compares, [i.key for i in flags])  # the flag items, nothing else


def test_horizon_end_is_t_equals_horizon():
    texts = dict(zip([i.key for i in heavy.ALL], _formulas(heavy.ALL), strict=True))
    assert texts["horizon_end"] == "IF({c}$5=general_horizon_months,1,0)"


def test_flags_are_one_where_their_option_is_chosen(seed):
    r = model.evaluate(seed.replace({"heavy.depreciation_method": "sum_of_years", "heavy.billing_mode": "annual"}))
    flags = {k: v for k, v in r.heavy.items() if k.startswith("flag_")}
    assert {k for k, v in flags.items() if v == 1} == {"flag_ratio_method", "flag_metered_energy",
                                                       "flag_billing_annual", "flag_sum_of_years",
                                                       "flag_terminal_book_value"}
    assert set(np.unique(list(flags.values()))) == {0.0, 1.0}
    assert catalog.GPU_KEYS == schema.field_spec("heavy.gpu").choices
