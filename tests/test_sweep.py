"""Sweeps: grid specs, chunked evaluation equal to single scenarios, engines, atomic output."""

from __future__ import annotations

import itertools
import json
import pickle
import re
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finmodel import schema
from finmodel.analysis import montecarlo, sweep

from .conftest import ROOT, SEED_FILE, same
from .conftest import result as single

METRICS = ["heavy.payback_months", "heavy.npv_cny", "heavy.irr", "heavy.gross_margin",
           "light.spread_cny_per_p_year"]



# --------------------------------------------------------------------------- grid specs
def test_parse_axis_range_list_choice_and_int():
    path, v = sweep.parse_axis("heavy.occupancy=0.5:1.0:11")
    assert path == "heavy.occupancy"
    np.testing.assert_allclose(v, np.linspace(0.5, 1.0, 11))
    assert v[0] == 0.5 and v[-1] == 1.0  # both ends included
    _, v = sweep.parse_axis("heavy.price_cny_per_card_hour = 15, 22.5,30")
    assert v.tolist() == [15.0, 22.5, 30.0]
    _, v = sweep.parse_axis("heavy.billing_mode=hourly,annual")
    assert list(v) == ["hourly", "annual"]
    _, v = sweep.parse_axis("heavy.servers=1:10:10")
    assert v.dtype.kind == "i" and v.tolist() == list(range(1, 11))
    _, v = sweep.parse_axis("heavy.occupancy=0.7")
    assert v.tolist() == [0.7]


@pytest.mark.parametrize("spec, words", [
    ("heavy.occupancy", "malformed grid spec"),
    ("heavy.occupancy=", "malformed grid spec"),
    ("=0.5:1:3", "malformed grid spec"),
    ("heavy.occupancy=0.5:1.0", "START:STOP:COUNT"),
    ("heavy.occupancy=0.5:1.0:x", "COUNT a whole number"),
    ("heavy.occupancy=a:1.0:3", "must be numbers"),
    ("heavy.occupancy=0.5:1.0:0", "at least 1"),
    ("heavy.occupancy=0.5,,0.7", "empty value"),
    ("heavy.occupancy=0.5,high", "must be numbers"),
    ("heavy.servers=1:10:3", "integer field"),
    ("heavy.billing_mode=1:2:3", "one of"),
    ("heavy.gpu=A100", "heavy.gpu = 'A100': not an allowed choice; allowed: a catalogue key"),
])
def test_parse_axis_errors(spec, words):
    with pytest.raises(ValueError, match=words):
        sweep.parse_axis(spec)


def test_parse_axis_unknown_field_lists_close_matches():
    with pytest.raises(schema.UnknownFieldError, match="did you mean heavy.occupancy"):
        sweep.parse_axis("heavy.ocupancy=0.5:1:3")


def test_parse_axis_values_checked_against_schema():
    with pytest.raises(schema.ScenarioError, match=r"heavy.occupancy.*0 ≤ value ≤ 1"):
        sweep.parse_axis("heavy.occupancy=0.5:1.5:3")
    with pytest.raises(schema.ScenarioError, match="not an allowed choice"):
        sweep.parse_axis("heavy.billing_mode=hourly,weekly")


def test_grid_rows_follow_itertools_product_order():
    g = sweep.Grid.parse(["heavy.occupancy=0.5:1:3", "heavy.billing_mode=hourly,annual",
                          "heavy.price_cny_per_card_hour=10,20"])
    assert g.shape == (3, 2, 2) and g.size == 12
    expected = list(itertools.product(*g.axes.values()))
    rows = g.rows(0, g.size)
    got = list(zip(*rows.values(), strict=True))
    assert got == expected
    part = g.rows(5, 9)
    assert list(zip(*part.values(), strict=True)) == expected[5:9]
    with pytest.raises(ValueError, match="twice"):
        sweep.Grid.parse(["heavy.occupancy=0.5", "heavy.occupancy=0.6"])


def test_range_axes_are_numpy_linspace_exactly():
    """Axes are built only after the grid's size is checked; a range is still ``np.linspace``."""
    for spec, (start, stop, n) in {"heavy.occupancy=0.1:0.97:37": (0.1, 0.97, 37),
                                   "heavy.pue=1.1:1.6:3001": (1.1, 1.6, 3001)}.items():
        np.testing.assert_array_equal(sweep.parse_axis(spec)[1], np.linspace(start, stop, n))


def test_grid_size_is_counted_in_python_integers_before_any_axis_is_built():
    """Four axes of 65,536 values: 2^64 scenarios, which wraps to 0 in int64. Refused naming the
    count exactly and the bytes (2^64 × (4 inputs + 4 results) × 8 bytes ≈ 1.2e+21)."""
    axes = [f"{p}=0.5:1:65536" for p in ("heavy.occupancy", "heavy.salvage_fraction",
                                          "heavy.terminal_value_fraction", "heavy.noncash_share_of_cost")]
    with pytest.raises(sweep.GridTooLarge) as info:
        sweep.Grid.parse(axes)
    assert info.value.size == 2**64
    assert str(info.value) == ("a grid of 18,446,744,073,709,551,616 scenarios is too large: its results would take "
                               "≈ 1.2e+21 bytes; allowed: ≤ 100,000,000 scenarios per sweep (≈ 6.4 GB); make the "
                               "grid coarser or split it")
    assert sweep.Grid.parse(["heavy.occupancy=0:1:3"], limit=3).size == 3
    with pytest.raises(sweep.GridTooLarge):
        sweep.Grid.parse(["heavy.occupancy=0:1:4"], limit=3)


@pytest.mark.parametrize("spec", ["heavy.servers=1:1e300:2", "heavy.servers=1,inf", "heavy.occupancy=0:inf:3",
                                  "general.horizon_months=nan,12"])
def test_non_finite_or_huge_bounds_are_refused_before_any_cast(spec):
    path = spec.split("=")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from a cast or a linspace
        with pytest.raises(schema.ScenarioError, match=rf"^{re.escape(path)} = (1e\+300|inf|nan): out of range"):
            sweep.parse_axis(spec)


def test_in_memory_sweep_larger_than_the_memory_is_refused(seed, monkeypatch):
    """``sweep.run`` holds its table twice (parts and concatenation): 1,000 scenarios × (1 input +
    4 results) × 8 bytes × 2 = 80 kB is refused with 100 kB available (half of it allowed)."""
    from finmodel.analysis import limits

    monkeypatch.setattr(limits, "available_memory_bytes", lambda: 100_000)
    with pytest.raises(limits.TooLarge, match=r"the results of 1,000 scenarios would take ≈ 80.0 kB in memory; "
                                              r"allowed here: ≤ 50.0 kB .*stream them to a file"):
        sweep.run(seed, ["heavy.occupancy=0:1:1000"])
    assert len(sweep.run(seed, ["heavy.occupancy=0:1:500"])) == 500


# --------------------------------------------------------------------------- results by name
def test_metric_names():
    assert sweep.metric_path("payback_months") == "heavy.payback_months"
    assert sweep.metric_path("spread_cny_per_p_year") == "light.spread_cny_per_p_year"  # only light has it
    assert sweep.metric_path("light.payback_months") == "light.payback_months"
    with pytest.raises(sweep.UnknownMetricError, match="did you mean.*payback_months"):
        sweep.metric_path("payback_month")
    info = sweep.metric_info("heavy.payback_months")
    assert info.nan_means == "never" and info.unit == "months" and info.label_zh == "投资回收期"


# --------------------------------------------------------------------------- values
def test_sweep_values_equal_single_evaluations(seed):
    axes = {"heavy.occupancy": [0.3, 0.65, 1.0], "heavy.price_cny_per_card_hour": [8.0, 15.0, 30.0],
            "light.buy_price_cny_per_p_year": [150_000.0, 700_000.0]}
    df = sweep.run(seed, axes, METRICS, chunk_size=4)  # several chunks, one of them partial
    assert len(df) == 18
    assert list(df.columns) == list(axes) + METRICS
    assert df["heavy.payback_months"].isna().any()  # "never" cases included
    for row in df.itertuples(index=False):
        changes = dict(zip(axes, row[:3], strict=True))
        for m, v in zip(METRICS, row[3:], strict=True):
            assert same(v, single(seed, changes, m)), (changes, m, v)


def test_sweep_over_horizon_and_choices_groups_by_horizon(seed):
    axes = {"general.horizon_months": [24, 60], "heavy.billing_mode": ["hourly", "annual"],
            "heavy.occupancy": [0.6, 0.9]}
    df = sweep.run(seed, axes, ["heavy.npv_cny", "heavy.irr"], chunk_size=3)
    assert df["general.horizon_months"].dtype.kind == "i"
    for row in df.itertuples(index=False):
        changes = {"general.horizon_months": int(row[0]), "heavy.billing_mode": row[1], "heavy.occupancy": row[2]}
        assert same(row[3], single(seed, changes, "heavy.npv_cny"))
        assert same(row[4], single(seed, changes, "heavy.irr"))


def test_results_do_not_depend_on_chunk_size_or_workers(seed):
    axes = ["heavy.occupancy=0.2:1:9", "heavy.server_price_cny=8e5:2.4e6:7"]
    a = sweep.run(seed, axes, chunk_size=5, engine=sweep.LocalEngine(1))
    b = sweep.run(seed, axes, chunk_size=64, engine=sweep.LocalEngine(3))
    pd.testing.assert_frame_equal(a, b)


def test_evaluate_rejects_out_of_range_values(seed):
    with pytest.raises(schema.ScenarioError, match="heavy.occupancy"):
        sweep.evaluate(seed, {"heavy.occupancy": np.array([0.5, 1.2])}, ["heavy.npv_cny"])


def test_default_metrics_add_light_results_when_light_inputs_vary(seed):
    df = sweep.run(seed, ["light.occupancy=0.5,1"])
    assert "light.spread_cny_per_p_year" in df.columns and "heavy.payback_months" in df.columns


# --------------------------------------------------------------------------- output
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_write_streams_chunks_and_round_trips(seed, tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    axes = ["heavy.occupancy=0.5:1:6", "heavy.price_cny_per_card_hour=15:30:4", "heavy.billing_mode=hourly,monthly"]
    summary = sweep.write(seed, axes, out, chunk_size=7)
    assert summary.rows == 48 and out.exists()
    back = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, encoding="utf-8-sig")
    ref = sweep.run(seed, axes)
    assert list(back.columns) == list(ref.columns)
    for c in ref.columns:
        if ref[c].dtype.kind == "f":
            np.testing.assert_allclose(back[c], ref[c], rtol=1e-9 if suffix == ".csv" else 0, equal_nan=True)
        else:
            assert back[c].astype(str).tolist() == ref[c].astype(str).tolist()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def _explode_on_second_chunk(monkeypatch, exc: type[BaseException]):
    real = sweep.evaluate
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep, "evaluate", flaky)


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(seed, tmp_path, monkeypatch, exc):
    out = tmp_path / "r.parquet"
    out.write_bytes(b"old content")
    _explode_on_second_chunk(monkeypatch, exc)
    with pytest.raises(exc):
        sweep.write(seed, ["heavy.occupancy=0.1:1:40"], out, chunk_size=5, engine=sweep.LocalEngine(1))
    assert out.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.parquet"]


def test_writer_refuses_bad_targets(tmp_path):
    with pytest.raises(ValueError, match=r"\.parquet or \.csv"):
        sweep.AtomicTableWriter(tmp_path / "r.xlsx")
    with pytest.raises(ValueError, match="does not exist"):
        sweep.AtomicTableWriter(tmp_path / "missing" / "r.csv")
    assert list(tmp_path.iterdir()) == []


def test_get_engine_errors():
    with pytest.raises(ValueError, match="unknown engine"):
        sweep.get_engine("spark")
    with pytest.raises(ValueError, match="--scheduler needs --engine dask"):
        sweep.get_engine("local", "tcp://127.0.0.1:1")


# --------------------------------------------------------------------------- Dask
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("dask.distributed")
    # protocol="tcp": with processes=False and host given, this distributed version otherwise picks
    # the inproc transport and fails to start ("not enough values to unpack")
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2, host="127.0.0.1",
                                  protocol="tcp", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_dask_sweep_equals_local(seed, dask_client):
    axes = ["heavy.occupancy=0.3:1:7", "heavy.price_cny_per_card_hour=10:30:5", "general.horizon_months=36,60"]
    eng = sweep.DaskEngine(client=dask_client)
    remote = sweep.run(seed, axes, METRICS, chunk_size=9, engine=eng)
    local = sweep.run(seed, axes, METRICS, chunk_size=9)
    pd.testing.assert_frame_equal(remote, local)


def test_dask_montecarlo_equals_local(seed, dask_client):
    dists = {"heavy.occupancy": {"dist": "triangular", "low": 0.4, "mode": 0.8, "high": 1.0},
             "heavy.price_cny_per_card_hour": {"dist": "normal", "mean": 20, "sd": 4}}
    corr = [("heavy.occupancy", "heavy.price_cny_per_card_hour", -0.5)]
    eng = sweep.DaskEngine(client=dask_client)
    remote = montecarlo.run(seed, dists, 3000, 42, correlation=corr, chunk_size=1000, engine=eng, keep_draws=True)
    local = montecarlo.run(seed, dists, 3000, 42, correlation=corr, chunk_size=1000, keep_draws=True)
    pd.testing.assert_frame_equal(remote.draws, local.draws)
    pd.testing.assert_frame_equal(remote.summary, local.summary)


def test_dask_runs_a_portfolio_like_local(dask_client):
    """A portfolio travels to the workers (pickled with its cohorts' scenarios) and gives the same
    sweep and Monte Carlo as the local executor."""
    from finmodel.schema import portfolio

    p = portfolio.load(ROOT / "assumptions" / "portfolio" / "three_generations.toml")
    assert pickle.loads(pickle.dumps(p)) == p
    axes = ["shocks.price_factor=0.6:1.4:5", "cohorts.h800_2023.heavy.occupancy=0.5,0.9"]
    eng = sweep.DaskEngine(client=dask_client)
    pd.testing.assert_frame_equal(sweep.run(p, axes, chunk_size=3, engine=eng), sweep.run(p, axes, chunk_size=3))
    remote = montecarlo.run(p, None, 900, 5, chunk_size=300, engine=eng)
    local = montecarlo.run(p, None, 900, 5, chunk_size=300)
    pd.testing.assert_frame_equal(remote.summary, local.summary)


def test_dask_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("dask.distributed")
    with pytest.raises(OSError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        sweep.DaskEngine("tcp://127.0.0.1:9", timeout=1)


@pytest.fixture()
def dask_processes(tmp_path):
    """A real Dask cluster on 127.0.0.1: ``dask scheduler`` and two ``dask worker`` processes
    (ports chosen by the scheduler itself, so no race for a free port); yields the scheduler's
    address and stops all three afterwards (SIGTERM, then SIGKILL after 10 s)."""
    pytest.importorskip("dask.distributed")
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command line is not installed")
    info = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    procs = [subprocess.Popen([dask, "scheduler", "--port", "0", "--scheduler-file", str(info), *common],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 30
        while not (info.exists() and info.stat().st_size > 0):
            if time.monotonic() > deadline or procs[0].poll() is not None:
                pytest.fail("the dask scheduler did not start within 30 s")
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--local-directory",
                                    str(tmp_path / f"w{i}"), *common], cwd=tmp_path, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL) for i in range(2)]
        from dask.distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=40)
        yield address
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_sweep_on_a_real_dask_cluster_equals_local(tmp_path, dask_processes):
    """100,000 scenarios through ``finmodel sweep --engine dask --scheduler tcp://127.0.0.1:PORT``
    on a scheduler and two worker processes give the same Parquet table as the local engine."""
    grid = ["-g", "heavy.occupancy=0.5:1:100", "-g", "heavy.price_cny_per_card_hour=10:30:1000"]
    cmd = [sys.executable, "-m", "finmodel", "sweep", str(SEED_FILE), *grid, "--no-progress", "--json"]
    local = subprocess.run([*cmd, "--out", str(tmp_path / "local.parquet")], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert local.returncode == 0, local.stderr[-500:]
    remote = subprocess.run([*cmd, "--out", str(tmp_path / "dask.parquet"), "--engine", "dask", "--scheduler",
                             dask_processes], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert remote.returncode == 0, remote.stderr[-500:]
    assert json.loads(remote.stdout)["engine"] == "dask" and json.loads(remote.stdout)["scenarios"] == 100_000
    a, b = pd.read_parquet(tmp_path / "local.parquet"), pd.read_parquet(tmp_path / "dask.parquet")
    assert len(a) == 100_000
    pd.testing.assert_frame_equal(a, b)


def test_a_gpu_axis_lists_catalogue_keys():
    # heavy.gpu is a choice over the catalogue (issue 11), so it sweeps like any other choice
    path, values = sweep.parse_axis("heavy.gpu=H100-SXM,H800-SXM")
    assert path == "heavy.gpu" and list(values) == ["H100-SXM", "H800-SXM"]


# --------------------------------------------------------------------------- memory while chunks run
def _page_faults(work) -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    work()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _chunk_like_arrays() -> None:
    """What a chunk does to the allocator: 4 MB line items (8,192 scenarios × 61 months), each
    freed a few items later."""
    for _ in range(20):
        a = np.ones((8192, 61))
        b = a * 2.0
        del a, b


def test_freed_chunk_memory_is_reused_not_faulted_in_again():
    """While chunks run, a freed 4 MB line item's pages serve the next one: glibc's defaults hand
    them back to the kernel and fault ~1,000 fresh pages in per array (measured: ~40 % of a chunk's
    CPU time before analysis/memory.py)."""
    from numpy._core import multiarray

    from finmodel.analysis import memory

    if memory._glibc() is None:
        pytest.skip("the allocator is tuned on glibc only")
    # numpy asks the kernel for transparent huge pages on large arrays (THP "madvise" mode): whether it
    # gets them depends on the machine's free memory at that moment, and a 2 MB page faults in once
    # instead of 512 times. Counted on ordinary pages, the faults measure only the allocator.
    huge = multiarray._set_madvise_hugepage(False)
    try:
        with memory.keep_freed_memory():
            _chunk_like_arrays()  # the first arrays fault their pages in once
            kept = _page_faults(_chunk_like_arrays)
        plain = _page_faults(_chunk_like_arrays)  # after the run: glibc's default thresholds again
    finally:
        multiarray._set_madvise_hugepage(huge)
    assert plain > 20_000, f"premise: 40 fresh 4 MB arrays fault their pages in ({plain} faults)"
    assert kept < plain / 20, (kept, plain)


def test_a_sweep_keeps_freed_memory_only_while_it_runs(seed, monkeypatch):
    """The local executor turns the setting on for the run (nested runs too) and back off after."""
    from finmodel.analysis import memory

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(memory, "_set", lambda trim, mmap: calls.append((trim, mmap)))
    df = sweep.run(seed, ["heavy.occupancy=0.5:1:3", "heavy.price_cny_per_card_hour=15:30:4"], chunk_size=5)
    assert len(df) == 12
    assert calls == [(memory._KEEP_TRIM, memory._KEEP_MMAP), (memory._DEFAULT, memory._DEFAULT)]
