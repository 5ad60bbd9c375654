"""The two deal presets of issue 12 (``assumptions/deal_*.toml``): every number they write is
sourced, and their deal lines match figures computed here from the file's own inputs."""

from __future__ import annotations

import tomllib

import pytest

from finmodel import model, schema

from .conftest import DEAL_PRESETS, ROOT

CN = ROOT / "assumptions" / "deal_cn_compute_service.toml"
NEO = ROOT / "assumptions" / "deal_neocloud_take_or_pay.toml"


def test_both_deal_presets_ship():
    assert {p.name for p in DEAL_PRESETS} == {CN.name, NEO.name}


@pytest.mark.parametrize("path", DEAL_PRESETS, ids=[p.stem for p in DEAL_PRESETS])
def test_every_number_a_deal_preset_writes_has_a_source(path):
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    s = schema.load(path)
    written = [f"{sec}.{k}" for sec, table in raw.items() if isinstance(table, dict) for k in table]
    numbers = [p for p in written if p in schema.FIELDS and schema.FIELDS[p].numeric
               and p not in ("heavy.cards_per_server", "general.hours_per_year")]
    assert numbers and [p for p in numbers if not s.sources.get(p)] == []


def test_china_service_contract_vat_and_equal_principal_loan():
    s = schema.load(CN)
    r = model.evaluate(s)
    m = r.heavy_monthly
    n, price = s.heavy.servers, s.heavy.server_price_cny
    capex_ex_vat = n * price / (1 + s.vat.input_rate_servers)  # 含税 price: the 13 % input VAT is credited
    assert r.heavy["capex_cny"] == pytest.approx(capex_ex_vat, rel=1e-12)
    assert m["input_vat_cny"].iloc[0] == pytest.approx(n * price - capex_ex_vat, rel=1e-12)
    # 7万元 含税 a server-month at 6 %: revenue ex VAT, output VAT on top, every month of the term
    first = s.heavy.lead_time_months + 1
    assert m["revenue_cny"].iloc[first] == pytest.approx(n * 70_000 / 1.06, rel=1e-12)
    assert m["output_vat_cny"].iloc[first] == pytest.approx(n * 70_000 / 1.06 * 0.06, rel=1e-12)
    # interest of the delivery month capitalised; then the 48-month term from the first month in
    # service: 6 months interest only, then (term − grace) equal instalments (等额本金)
    rate, lead = s.heavy.loan_rate_per_year / 12, s.heavy.lead_time_months
    grace, term = s.financing.grace_months, s.heavy.loan_term_months
    balance = capex_ex_vat * s.heavy.loan_share_of_capex * (1 + rate) ** lead
    principal = m["debt_principal_cny"]
    assert (principal.iloc[: lead + grace + 1] == 0).all()
    assert principal.iloc[lead + grace + 1: lead + term + 1].to_numpy() == pytest.approx(
        balance / (term - grace), rel=1e-12)
    for t in range(lead + 1, lead + term + 1):
        assert m["interest_cny"].iloc[t] == pytest.approx(balance * rate, rel=1e-12)
        balance -= principal.iloc[t]
    assert balance == pytest.approx(0, abs=1e-6)
    assert m["loan_balance_cny"].iloc[lead + term] == pytest.approx(0, abs=1e-6)
