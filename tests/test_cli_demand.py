"""`finmodel demand FILE` as a user runs it: the seed's figures in the table and JSON, the fleet for
a market share and its payback, and one-line errors (exit 2, no traceback) for bad workload rows."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finmodel import model, schema
from finmodel.cli import app

ROOT = Path(__file__).resolve().parents[1]
GPT = ROOT / "assumptions" / "demand" / "seed_gpt.toml"
CHINA = ROOT / "assumptions" / "demand" / "seed_china_market.toml"
SEED_SCENARIO = ROOT / "assumptions" / "seed_fs2024.toml"
DAY_S = 86_400


def run(*args: str):
    return CliRunner().invoke(app, ["demand", *args], env={"COLUMNS": "120"})


def test_table_shows_the_seed_figures():
    res = run(str(GPT))
    assert res.exit_code == 0, res.stderr
    for printed in ("865.6", "22,787.8", "10,098.5"):  # 002:1208, 002:1213, 002:1259 (exact, seed says 10,000)
        assert printed in res.stdout
    assert "MFU" in res.stdout and "occupancy" in res.stdout


def test_json_china_market():
    res = run(str(CHINA), "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    rows = {r["workload"]: r for r in out["workloads"]}
    assert rows["China training (100 models)"]["gpus"] == pytest.approx(26_380, abs=0.5)  # 002:1231
    assert rows["China inference (50 models)"]["gpus"] == pytest.approx(3_297.5, abs=0.05)  # 002:1290
    assert rows["China inference (50 models)"]["compute_flop_per_run"] is None  # not applicable → null
    assert out["price_cny_per_card_hour"] == 22.5  # the seed scenario's price (002:1518)
    cards = (6 * 800e8 * 2000e8 / (30 * DAY_S) / (312e12 * 0.45) * 100
             + 2 * 800e8 * 1e10 / DAY_S / (624e12 * 0.45) * 50)
    assert out["totals"]["market_value_cny_per_year"] == pytest.approx(cards * 8760 * 22.5)
    assert out["fleets"] == []


def test_price_scales_market_value():
    a = json.loads(run(str(CHINA), "--json").stdout)["totals"]["market_value_cny_per_year"]
    b = json.loads(run(str(CHINA), "--json", "--price", "11.25").stdout)["totals"]["market_value_cny_per_year"]
    assert b == pytest.approx(a / 2)


def test_share_gives_servers_and_the_same_payback_as_by_hand():
    res = run(str(CHINA), "--json", "--share", "0.1", "--scenario", str(SEED_SCENARIO))
    assert res.exit_code == 0, res.stderr
    (fl,) = json.loads(res.stdout)["fleets"]
    cards = (6 * 800e8 * 2000e8 / (30 * DAY_S) / (312e12 * 0.45) * 100
             + 2 * 800e8 * 1e10 / DAY_S / (624e12 * 0.45) * 50)
    assert fl["servers"] == math.ceil(cards * 0.1 / 8) and fl["gpu"] == "A100-40G-NVLink"
    by_hand = model.evaluate(schema.load(SEED_SCENARIO).replace({"heavy.servers": fl["servers"]}))
    assert fl["payback_months"] == by_hand.heavy["payback_months"]
    assert round(fl["payback_months"], 1) == 16.2  # 002:1526


def test_share_table_and_occupancy():
    res = run(str(CHINA), "--share", "0.1", "--occupancy", "0.8")
    assert res.exit_code == 0, res.stderr
    cards = (6 * 800e8 * 2000e8 / (30 * DAY_S) / (312e12 * 0.45) * 100
             + 2 * 800e8 * 1e10 / DAY_S / (624e12 * 0.45) * 50)
    assert f"{math.ceil(cards * 0.1 / (8 * 0.8)):,}" in res.stdout  # 464 servers
    assert "payback" in res.stdout


BAD = [
    ('duration_days = { value = 100.0,', 'duration_days = { value = 0,',
     "row 2 (GPT-4 training).duration_days = 0: out of range; "
     "allowed: a number, 0 < value ≤ 3,650 [days/run] or empty"),
    ('tokens = { value = 3.0e11,', 'tokens = { value = -3.0e11,',
     "row 1 (GPT-3 training).tokens = -300000000000.0: out of range; allowed: a number, 0 < value"),
    ('gpu = { value = "A100-40G-NVLink", source = "A100, 624', 'gpu = { value = "A1OO", source = "A100, 624',
     "row 3 (ChatGPT inference).gpu = 'A1OO': unknown GPU; allowed: a catalogue key: A100-40G-NVLink"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD, ids=["zero duration", "negative tokens", "unknown GPU"])
def test_bad_rows_are_one_line_errors(tmp_path, old, new, message):
    text = GPT.read_text(encoding="utf-8")
    assert old in text
    f = tmp_path / "bad.toml"
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    res = run(str(f))
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: {f}: {message}")
    assert "Traceback" not in res.stderr + res.stdout


def test_bad_row_in_a_real_process(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(GPT.read_text(encoding="utf-8").replace(*BAD[0][:2], 1), encoding="utf-8")
    exe = Path(sys.executable).with_name("finmodel")
    proc = subprocess.run([str(exe), "demand", str(f)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {f}: {BAD[0][2]}"]


@pytest.mark.parametrize(("args", "message"), [
    (["--share", "1.5"], "error: share = 1.5: out of range; allowed: a number, 0 ≤ value ≤ 1"),
    (["--share", "0.1", "--occupancy", "0"], "error: occupancy = 0.0: out of range"),
    (["--price", "-1"], "error: --price = -1.0: out of range"),
    (["--scenario", "nope.toml"], "error: nope.toml: file: cannot read"),
])
def test_bad_options(args, message):
    res = run(str(CHINA), *args)
    assert res.exit_code == 2
    assert res.stderr.startswith(message), res.stderr


def test_missing_file():
    res = run("no_such_file.toml")
    assert res.exit_code == 2
    assert res.stderr.startswith("error: no_such_file.toml: file: cannot read")


def test_names_in_brackets_print_as_written(tmp_path):
    """A workload set or workload named with ``[...]`` is text, not a rich style (``[/]`` used to
    stop the table with a MarkupError traceback)."""
    text = GPT.read_text(encoding="utf-8").replace('name = "GPT-3 training"', 'name = "GPT-3 [/] [bold]big"')
    text = text.replace('name = "Seed FS2024:', 'name = "[red]Seed[/red] FS2024:', 1)
    f = tmp_path / "w.toml"
    f.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["demand", str(f)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.stderr
    assert "GPT-3 [/] [bold]big" in res.stdout and "[red]Seed[/red] FS2024:" in res.stdout
