"""`finmodel sweep / tornado / solve / montecarlo` as a user runs them, good paths and bad input."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from finmodel import model, schema
from finmodel.analysis import sweep
from finmodel.cli import app

from .conftest import SEED_FILE

SEED = str(SEED_FILE)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_line_error(res, *words: str) -> None:
    """Exit ≠ 0, exactly one `error: ...` line on stderr naming the problem, no traceback."""
    assert res.exit_code != 0
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: "), lines
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in res.stderr + res.stdout
    assert res.exception is None or isinstance(res.exception, SystemExit)


# --------------------------------------------------------------------------- sweep
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_sweep_writes_the_issue_example(seed, tmp_path, suffix):
    out = tmp_path / f"results{suffix}"
    res = run("sweep", SEED, "--grid", "heavy.occupancy=0.5:1.0:11", "--grid", "heavy.price_cny_per_card_hour=15:30:16",
              "--out", str(out), "--no-progress")
    assert res.exit_code == 0, res.stderr
    assert "wrote 176 scenarios" in res.stdout
    df = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == 176
    assert list(df.columns) == ["heavy.occupancy", "heavy.price_cny_per_card_hour", *sweep.DEFAULT_METRICS]
    row = df.iloc[37]
    one = model.evaluate(seed.replace({"heavy.occupancy": row.iloc[0], "heavy.price_cny_per_card_hour": row.iloc[1]}))
    for m in sweep.DEFAULT_METRICS:
        expected = one.heavy[m.split(".")[1]]
        assert (math.isnan(expected) and math.isnan(row[m])) or row[m] == pytest.approx(expected, rel=1e-9)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_sweep_prints_small_grids_in_wan_and_json(seed):
    res = run("sweep", SEED, "--grid", "heavy.occupancy=0.2,1", "--set", "heavy.price_cny_per_card_hour=20")
    assert res.exit_code == 0, res.stderr
    assert "万元" in res.stdout and "never" in res.stdout  # 20 % occupancy never pays back
    res = run("sweep", SEED, "--grid", "heavy.occupancy=0.2,1", "-m", "npv_cny", "-m", "payback_months", "--json")
    out = json.loads(res.stdout)
    assert out["rows"][0]["heavy.payback_months"] is None
    assert out["rows"][1]["heavy.npv_cny"] == pytest.approx(model.evaluate(seed).heavy["npv_cny"])


def test_sweep_with_dask_engine_equals_local(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    args = ["sweep", SEED, "--grid", "heavy.occupancy=0.5:1:5", "--grid", "heavy.servers=1,2", "--chunk-size", "3"]
    assert run(*args, "--out", str(a)).exit_code == 0
    res = run(*args, "--out", str(b), "--engine", "dask", "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["engine"] == "dask"
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))


# --------------------------------------------------------------------------- tornado / solve
def test_tornado_table_and_json():
    res = run("tornado", SEED, "--top", "3")
    assert res.exit_code == 0, res.stderr
    assert "heavy.payback_months" in res.stdout and "万元" in res.stdout
    res = run("tornado", SEED, "--field", "heavy.price_cny_per_card_hour", "--range", "heavy.occupancy=0.6:1",
              "-m", "payback_months", "--json")
    rows = json.loads(res.stdout)["rows"]
    assert {r["field"] for r in rows} == {"heavy.price_cny_per_card_hour", "heavy.occupancy"}
    price = next(r for r in rows if r["field"] == "heavy.price_cny_per_card_hour")
    assert price["low_result"] > price["base_result"] > price["high_result"]


def test_tornado_writes_a_file(tmp_path):
    out = tmp_path / "t.csv"
    res = run("tornado", SEED, "--out", str(out))
    assert res.exit_code == 0, res.stderr
    assert len(pd.read_csv(out, encoding="utf-8-sig")) > 10


def test_solve_issue_example(seed):
    res = run("solve", SEED, "--target", "payback_months=24", "--vary", "heavy.price_cny_per_card_hour")
    assert res.exit_code == 0, res.stderr
    assert "16.2671" in res.stdout  # (1.8M/24 + 20,000) / 5,840 = 16.2671 CNY per card-hour
    res = run("solve", SEED, "--target", "payback_months=24", "--target", "irr=0.15", "--target", "npv_cny=0",
              "--vary", "heavy.occupancy", "--json")
    out = json.loads(res.stdout)["results"]
    assert [r["target"] for r in out] == ["heavy.payback_months", "heavy.irr", "heavy.npv_cny"]
    for r in out:
        m, key = r["target"].split(".")
        achieved = model.evaluate(seed.replace({"heavy.occupancy": r["value"]})).heavy[key]
        assert achieved == pytest.approx(r["target_value"], abs=1e-6 * max(1, abs(r["base_result"])))


def test_solve_light_spread():
    res = run("solve", SEED, "--target", "light.spread_cny_per_p_year=0", "--vary", "light.buy_price_cny_per_p_year",
              "--json")
    assert json.loads(res.stdout)["results"][0]["value"] == pytest.approx(22.5 * 8 * 8760 / 2.496, rel=1e-9)


# --------------------------------------------------------------------------- Monte Carlo
def test_montecarlo_reproducible_json():
    args = ["montecarlo", SEED, "-n", "3000", "--seed", "7", "--dist", "heavy.occupancy=triangular:0.5:0.8:0.95",
            "--dist", "heavy.price_cny_per_card_hour=normal:22:3", "--corr",
            "heavy.occupancy,heavy.price_cny_per_card_hour=-0.5", "--within", "24", "--json"]
    a, b = run(*args), run(*args)
    assert a.exit_code == 0, a.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    ja.pop("seconds"), jb.pop("seconds")
    assert ja == jb
    assert ja["n"] == 3000 and ja["seed"] == 7 and set(ja["prob_payback_within"]) == {"24"}
    assert 0 <= ja["prob_npv_negative"] <= 1
    c = json.loads(run(*args[:5], "8", *args[6:]).stdout)
    assert c["summary"] != ja["summary"]


def test_montecarlo_default_set_is_stated_and_table():
    res = run("montecarlo", SEED, "-n", "2000", "--seed", "1")
    assert res.exit_code == 0, res.stderr
    assert "no distributions given: using the default set" in res.stdout
    assert "P(payback ≤ 24 months)" in res.stdout and "P(NPV < 0)" in res.stdout and "万元" in res.stdout


def test_montecarlo_dists_file_and_draws_out(tmp_path):
    f = tmp_path / "d.toml"
    f.write_text('[heavy.occupancy]\ndist = "uniform"\nlow = 0.4\nhigh = 1.0\n', encoding="utf-8")
    out = tmp_path / "draws.parquet"
    res = run("montecarlo", SEED, "-n", "1500", "--dists", str(f), "--draws-out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    d = pd.read_parquet(out)
    assert len(d) == 1500 and d["heavy.occupancy"].between(0.4, 1.0).all()
    summary = {r["metric"]: r for r in json.loads(res.stdout)["summary"]}
    assert summary["heavy.npv_cny"]["mean"] == pytest.approx(d["heavy.npv_cny"].mean(), rel=1e-12)


# --------------------------------------------------------------------------- bad input
def _no_files(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("grid, words", [
    ("heavy.occupancy:0.5:1:11", ["malformed grid spec"]),
    ("heavy.occupancy=0.5:1.0", ["malformed grid spec", "START:STOP:COUNT"]),
    ("heavy.occupancy=0.5:1.0:zero", ["malformed grid spec"]),
    ("heavy.occupancy=0.5:1.5:3", ["heavy.occupancy", "0 ≤ value ≤ 1"]),
    ("heavy.ocupancy=0.5:1:3", ["unknown field", "did you mean heavy.occupancy"]),
])
def test_sweep_bad_grid_is_one_line_and_writes_nothing(tmp_path, grid, words):
    res = run("sweep", SEED, "--grid", grid, "--out", str(tmp_path / "r.parquet"))
    assert_one_line_error(res, *words)
    assert _no_files(tmp_path) == []


@pytest.mark.parametrize("args, words", [
    (["sweep", SEED], ["at least one --grid"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:1000"], ["too many to print", "--out"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--out", "{tmp}/r.xlsx"], [".parquet or .csv"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--out", "{tmp}/no/r.csv"], ["does not exist"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "-m", "payback"], ["unknown result 'payback'"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--engine", "spark"], ["unknown engine"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--scheduler", "tcp://x:1"], ["--engine dask"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--set", "heavy.occupancy"], ["malformed --set"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--set", "heavy.ocupancy=1"], ["did you mean"]),
    (["sweep", SEED, "--grid", "heavy.occupancy=0:1:3", "--chunk-size", "0"], ["--chunk-size"]),
    (["sweep", "{tmp}/missing.toml", "--grid", "heavy.occupancy=0:1:3"], ["cannot read"]),
    (["tornado", SEED, "--field", "heavy.occupncy", "--out", "{tmp}/t.csv"],
     ["unknown field", "did you mean heavy.occupancy"]),
    (["tornado", SEED, "--range", "heavy.occupancy=0.5"], ["malformed --range"]),
    (["solve", SEED, "--target", "payback_months=6", "--vary", "heavy.occupancy"],
     ["no value of heavy.occupancy in [0, 1]", "reachable"]),
    (["solve", SEED, "--target", "payback_months=24", "--vary", "heavy.occupancy", "--lo", "0.9"],
     ["no value of heavy.occupancy in [0.9, 1]"]),
    (["solve", SEED, "--target", "payback_months", "--vary", "heavy.occupancy"], ["malformed --target"]),
    (["solve", SEED, "--target", "payback=24", "--vary", "heavy.occupancy"], ["unknown result", "did you mean"]),
    (["solve", SEED, "--target", "payback_months=24", "--vary", "heavy.price"], ["unknown field"]),
    (["solve", SEED, "--target", "payback_months=24", "--vary", "heavy.billing_mode"], ["not a number"]),
    (["montecarlo", SEED, "-n", "0", "--draws-out", "{tmp}/d.parquet"], ["-n must be a positive number"]),
    (["montecarlo", SEED, "-n", "-5", "--draws-out", "{tmp}/d.csv"], ["-n must be a positive number"]),
    (["montecarlo", SEED, "--seed", "-1"], ["--seed"]),
    (["montecarlo", SEED, "--dist", "heavy.occupancy=triangular:0.9:0.5:0.95", "--draws-out", "{tmp}/d.parquet"],
     ["heavy.occupancy", "triangular needs low ≤ mode ≤ high"]),
    (["montecarlo", SEED, "--dist", "heavy.occupancy=normal:0.5:-1"], ["heavy.occupancy", "sd ≥ 0"]),
    (["montecarlo", SEED, "--dist", "heavy.occupancy=triangle:0.5:0.8:0.9"], ["did you mean triangular"]),
    (["montecarlo", SEED, "--dist", "heavy.occupancy=uniform:0.5"], ["uniform takes 2 parameters"]),
    (["montecarlo", SEED, "--dist", "heavy.ocupancy=uniform:0.5:1"], ["did you mean heavy.occupancy"]),
    (["montecarlo", SEED, "--dist", "heavy.occupancy=uniform:0.5:1", "--corr", "heavy.occupancy=0.5"],
     ["malformed --corr"]),
    (["montecarlo", SEED, "--dists", "{tmp}/none.toml"], ["cannot read"]),
])
def test_bad_input_is_one_line_error(tmp_path, args, words):
    res = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(res, *words)
    assert _no_files(tmp_path) == []


def test_invalid_distribution_writes_no_draws_file(tmp_path):
    out = tmp_path / "d.parquet"
    res = run("montecarlo", SEED, "--dist", "heavy.occupancy=beta:0:1", "--draws-out", str(out))
    assert_one_line_error(res, "heavy.occupancy", "alpha > 0")
    assert _no_files(tmp_path) == []


def test_interrupted_sweep_leaves_no_file(tmp_path, monkeypatch):
    out = tmp_path / "r.csv"
    real, calls = sweep.evaluate, {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(sweep, "evaluate", interrupted)
    res = run("sweep", SEED, "--grid", "heavy.occupancy=0:1:50", "--out", str(out), "--chunk-size", "5")
    assert res.exit_code == 130 and "interrupted" in res.stderr
    assert _no_files(tmp_path) == []


def test_real_process_prints_no_traceback(tmp_path):
    """The installed entry point, as a shell user runs it: exit 2, one line, nothing written."""
    out = tmp_path / "r.parquet"
    proc = subprocess.run([sys.executable, "-m", "finmodel", "sweep", SEED, "--grid", "heavy.occupancy=0.5..1",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: malformed grid spec") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and not out.exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- text is never markup
MARKUP_NAME = "Oops [/] [bold]x[/bold] [months]"


def test_a_name_and_units_in_brackets_print_as_written(seed, tmp_path):
    """Rich reads ``[...]`` as a style: a name with ``[/]`` stopped every table with a MarkupError
    traceback, and ``[months]`` vanished from headers. Titles, headers and cells are plain text."""
    f = tmp_path / "s.toml"
    schema.save(schema.validate({**seed.to_dict(), "name": MARKUP_NAME}), f)
    for args in (["sweep", str(f), "--grid", "heavy.occupancy=0.5,1"],
                 ["solve", str(f), "--target", "payback_months=20", "--target", "payback_months=30", "--vary",
                  "heavy.occupancy"],
                 ["montecarlo", str(f), "-n", "100", "--no-progress"]):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert res.exit_code == 0, (args, res.stderr)
        assert MARKUP_NAME in res.stdout, args
    assert "[months]" in run("sweep", SEED, "--grid", "heavy.occupancy=0.5,1").stdout  # the payback column's unit
    assert "heavy.payback_months [months] — base 16.2" in run("tornado", SEED, "--top", "1").stdout
