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


# --------------------------------------------------------------------------- lazy commands (issue 15)
def test_command_table_matches_every_command_module():
    """``finmodel --help`` lists commands from ``cli.COMMANDS`` without importing them; each entry
    must name the module that registers the command and quote its docstring's first paragraph."""
    import inspect

    from finmodel import cli

    for name, (module, short) in cli.COMMANDS.items():
        cmd = cli.load_commands(module)[name]
        assert inspect.cleandoc(cmd.help or "").split("\n\n")[0].replace("\n", " ") == short, name
    for module in {m for m, _ in cli.COMMANDS.values()}:
        assert set(cli.load_commands(module)) <= set(cli.COMMANDS), f"a command of cli/{module}.py is not listed"


def test_help_imports_no_command_module_and_no_heavy_library():
    """The start-up cost of ``--help`` and ``--version``: typer and rich only (see
    benchmarks/startup.py for the times)."""
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom finmodel.cli import app\n"
            "for args in (['--help'], ['--version']):\n    assert CliRunner().invoke(app, args).exit_code == 0\n"
            "heavy = ('numpy', 'pandas', 'scipy', 'openpyxl', 'pydantic', 'finmodel.model', 'finmodel.schema', "
            "'finmodel.cli.')\nprint(sorted({m.split('.')[0] if not m.startswith('finmodel') else m "
            "for m in sys.modules if m.startswith(heavy)}))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


#: What each command may not import (issue 15's start-up): in the order they run in one process, so a
#: later command's list only adds what it may load (validate: no numpy; evaluate: numpy, no pandas).
STARTUP_IMPORTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("validate", "assumptions/seed_fs2024.toml"),
     ("numpy", "pandas", "scipy", "openpyxl", "numpy_financial", "rich", "finmodel.model", "finmodel.analysis")),
    (("fields",), ("numpy", "pandas", "scipy", "openpyxl", "finmodel.model", "finmodel.analysis")),
    (("evaluate", "assumptions/seed_fs2024.toml"), ("pandas", "scipy", "openpyxl", "finmodel.analysis")),
    (("evaluate", "assumptions/seed_fs2024.toml", "--json"), ("pandas", "scipy", "openpyxl", "finmodel.analysis")),
    (("sweep", "--help"), ("pandas", "scipy", "openpyxl")),
)


def test_commands_import_only_what_they_use():
    """validate reads the file without numpy or rich; evaluate prints the KPIs without pandas (the
    monthly tables are built when read); sweep --help loads no pandas (benchmarks/startup.py has the
    times)."""
    code = ("import json, sys\nfrom typer.testing import CliRunner\nfrom finmodel.cli import app\n"
            "for args, banned in json.loads(sys.argv[1]):\n"
            "    res = CliRunner().invoke(app, args)\n    assert res.exit_code == 0, (args, res.output)\n"
            "    print(json.dumps([args, sorted(m for m in sys.modules "
            "if m in banned or m.startswith(tuple(b + '.' for b in banned)))]))\n")
    p = subprocess.run([sys.executable, "-c", code, json.dumps(STARTUP_IMPORTS)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    loaded = [json.loads(line) for line in p.stdout.splitlines()]
    assert loaded == [[list(args), []] for args, _ in STARTUP_IMPORTS]


def test_version_and_unknown_command_suggestion():
    from finmodel import __version__

    assert CliRunner().invoke(app, ["--version"]).stdout == f"finmodel {__version__}\n"
    res = CliRunner().invoke(app, ["evaluat"])
    assert res.exit_code == 2 and "Did you mean 'evaluate'" in res.stderr
