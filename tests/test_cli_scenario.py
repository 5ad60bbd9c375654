"""`finmodel evaluate / validate / fields / gpus` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from finmodel.cli import app

from .conftest import PRESETS, ROOT, SEED_FILE

REQUIRED = {
    "heavy": ["capex_cny", "annual_revenue_cny", "annual_depreciation_cny", "annual_cash_cost_cny",
              "payback_months", "discounted_payback_months", "npv_cny", "irr", "gross_margin"],
    "light": ["p_per_server", "revenue_cny_per_p_year", "spread_cny_per_p_year", "breakeven_occupancy"],
}


def test_evaluate_json_seed():
    res = CliRunner().invoke(app, ["evaluate", str(SEED_FILE), "--json"])
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    for model, keys in REQUIRED.items():
        for k in keys:
            assert k in out[model], (model, k)
    assert out["heavy"]["capex_cny"] == 1_800_000
    assert round(out["heavy"]["payback_months"], 1) == 16.2  # 002:1526
    assert round(out["light"]["spread_cny_per_p_year"] / 1e4, 2) == 43.17  # 002:1546, exact inputs
    assert out["units"]["money"] == "CNY"


def test_evaluate_json_never_is_null(tmp_path):
    f = tmp_path / "cheap.toml"
    f.write_text("[general]\n[heavy]\nprice_cny_per_card_hour = 2.0\n[light]\n", encoding="utf-8")
    out = json.loads(CliRunner().invoke(app, ["evaluate", str(f), "--json"]).stdout)
    assert out["heavy"]["payback_months"] is None
    assert out["heavy"]["discounted_payback_months"] is None


@pytest.mark.parametrize("path", PRESETS, ids=[p.name for p in PRESETS])
def test_evaluate_table_for_every_preset(path):
    res = CliRunner().invoke(app, ["evaluate", str(path)])
    assert res.exit_code == 0, res.stderr
    assert "万元" in res.stdout and "Payback" in res.stdout and "months" in res.stdout


def test_evaluate_table_shows_seed_figures():
    out = CliRunner().invoke(app, ["evaluate", str(SEED_FILE)]).stdout
    assert "180.00" in out  # capex 万元
    assert "157.68" in out  # annual revenue 万元
    assert "16.2" in out  # payback months
    assert "43.17" in out  # spread 万元/P/年


def test_validate_ok():
    res = CliRunner().invoke(app, ["validate", str(SEED_FILE)])
    assert res.exit_code == 0 and res.stdout.startswith("ok:")


def test_help_explains_units():
    top = CliRunner().invoke(app, ["--help"]).stdout
    assert "CNY" in top and "万元" in top and "months" in top
    ev = CliRunner().invoke(app, ["evaluate", "--help"]).stdout
    assert "万元" in ev and "months" in ev


def test_fields_lists_every_input_with_range():
    out = json.loads(CliRunner().invoke(app, ["fields", "--json"]).stdout)
    by_path = {r["path"]: r for r in out}
    assert by_path["heavy.occupancy"]["allowed"].startswith("a number, 0 ≤ value ≤ 1")
    assert by_path["heavy.price_cny_per_card_hour"]["unit"] == "CNY/card-hour"


def test_installed_entry_point_runs():
    exe = ROOT / ".venv" / "bin" / "finmodel"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "finmodel"]
    p = subprocess.run([*cmd, "evaluate", str(SEED_FILE), "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["heavy"]["capex_cny"] == 1_800_000
