"""Headless tests of the dashboard (streamlit.testing.v1.AppTest).

Expected numbers are never typed in: each comes from ``finmodel.model.evaluate`` (or the module the
page calls) on the same scenario, formatted by the same ``finmodel.ui.fmt`` function the page uses.
Scenario files are read from and written to a temporary copy of ``assumptions/`` (the app reads
``$FINMODEL_ASSUMPTIONS_DIR``), so no test writes into the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from finmodel import model, schema  # noqa: E402
from finmodel.analysis import business_models  # noqa: E402
from finmodel.ui import files, fmt, share, widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PRESETS = sorted(p.stem for p in (ROOT / "assumptions").glob("*.toml"))
PRICE = "heavy.price_cny_per_card_hour"
PRICE_KEY = f"in:{PRICE}"
TIMEOUT = 60


@pytest.fixture()
def adir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped presets; the app reads and writes only there."""
    d = tmp_path / "assumptions"
    d.mkdir()
    for p in (ROOT / "assumptions").glob("*.toml"):
        shutil.copy(p, d / p.name)
    shutil.copytree(ROOT / "assumptions" / "portfolio", d / "portfolio")
    monkeypatch.setenv(files.ENV_DIR, str(d))
    return d


def start(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return found[0].value


def payback_label(lang: str = "zh") -> str:
    it = model.item("heavy", "payback_months")
    return it.zh if lang == "zh" else it.en


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


# --------------------------------------------------------------------------- start-up
@pytest.mark.parametrize("preset", PRESETS)
def test_starts_on_each_preset_with_its_payback(adir: Path, preset: str) -> None:
    at = start({"s": preset})
    expected = model.evaluate(schema.load(adir / f"{preset}.toml")).heavy["payback_months"]
    assert metric(at, payback_label()) == fmt.months(expected, "zh")
    assert not at.error


def test_default_scenario_is_the_seed_and_every_page_renders(adir: Path) -> None:
    at = start()
    seed = schema.load(adir / "seed_fs2024.toml")
    assert at.session_state["scenario"] == seed
    assert at.number_input(key=PRICE_KEY).value == seed.heavy.price_cny_per_card_hour
    assert len(at.get("vega_lite_chart")) >= 1  # the cumulative cash-flow chart
    for page in ("deal.py", "models.py", "sensitivity.py", "scenarios.py", "portfolio.py", "overview.py"):
        at.switch_page(f"app_pages/{page}").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.error, (page, errors(at))


def test_every_overview_tab_and_both_models_render(adir: Path) -> None:
    from finmodel.ui import i18n

    at = start()
    for model_key in ("heavy", "light"):
        at.segmented_control(key="chart_model").set_value(model_key).run()
        for tab in ("tab_cashflow", "tab_structure", "tab_statements", "tab_market", "tab_table"):
            at.session_state["overview_tab"] = i18n.t(tab, "zh")
            at.run()
            assert not at.exception, (model_key, tab, [e.value for e in at.exception])
            drawn = len(at.get("vega_lite_chart")) if tab not in ("tab_table", "tab_statements") else len(at.dataframe)
            assert drawn == 1, (model_key, tab)
            assert at.session_state["chart_model"] == model_key


# --------------------------------------------------------------------------- the price drives the KPIs
def test_price_change_gives_the_engines_payback_and_deltas(adir: Path) -> None:
    at = start()
    seed = at.session_state["scenario"]
    new_price = seed.heavy.price_cny_per_card_hour * 1.2
    at.number_input(key=PRICE_KEY).set_value(new_price).run()
    want = model.evaluate(seed.replace({PRICE: new_price}))
    base = model.evaluate(seed)
    assert at.session_state["scenario"] == seed.replace({PRICE: new_price})
    assert metric(at, payback_label()) == fmt.months(want.heavy["payback_months"], "zh")
    npv_label = model.item("heavy", "npv_cny").zh
    assert metric(at, npv_label) == fmt.wan(want.heavy["npv_cny"], "zh")
    card = next(m for m in at.metric if m.label == payback_label())
    assert card.delta == fmt.delta(want.heavy["payback_months"] - base.heavy["payback_months"], "months", "zh")
    assert at.query_params[PRICE] == repr(new_price)  # the URL holds the changed input


def test_occupancy_slider_and_never_paying_back(adir: Path) -> None:
    at = start()
    at.slider(key="in:heavy.occupancy").set_value(0.05).run()
    want = model.evaluate(at.session_state["base"].replace({"heavy.occupancy": 0.05}))
    assert metric(at, payback_label()) == fmt.months(want.heavy["payback_months"], "zh")
    if not fmt.finite(want.heavy["payback_months"]):
        assert metric(at, payback_label()) == fmt.never("zh")


def test_bad_input_names_field_and_range_and_keeps_last_valid(adir: Path) -> None:
    """``light.capacity_p`` must be > 0; its number input reaches 0 (an open bound), which the
    schema refuses: one message naming the field and its range, the scenario and the widget keep
    the last valid value."""
    at = start()
    before = at.session_state["scenario"]
    assert not at.number_input(key="in:heavy.price_cny_per_card_hour").key.startswith("grp")
    at.session_state["grp:light"] = True  # open the "light asset" section
    at.run()
    spec = schema.FIELDS["light.capacity_p"]
    assert spec.gt == 0.0 and at.number_input(key="in:light.capacity_p").min == 0.0
    at.number_input(key="in:light.capacity_p").set_value(0.0).run()
    assert not at.exception
    msg = errors(at)
    assert "light.capacity_p" in msg and spec.range_text() in msg
    assert at.session_state["scenario"] == before
    assert at.number_input(key="in:light.capacity_p").value == before.light.capacity_p


def test_a_share_bounded_away_from_zero_cannot_be_set_below_its_bound(adir: Path) -> None:
    """``heavy.noncash_share_of_cost`` is at least 0.01 (below it the ratio cash cost explodes,
    docs/model.md): its slider starts there, so the widget cannot even offer 0."""
    at = start()
    at.session_state["grp:operations"] = True
    at.run()
    spec = schema.FIELDS["heavy.noncash_share_of_cost"]
    w = at.slider(key="in:heavy.noncash_share_of_cost")
    assert spec.ge == 0.01 and w.min == spec.ge and w.max == spec.le
    assert spec.range_text() in w.help


# --------------------------------------------------------------------------- language
def test_every_input_is_a_schema_built_widget_in_its_section(adir: Path) -> None:
    at = start()
    for group in {spec.group for spec in schema.FIELDS.values()}:  # every section, the deal groups too
        at.session_state[f"grp:{group}"] = True
    at.run()
    keys = {w.key for kind in ("number_input", "slider", "selectbox", "text_input") for w in getattr(at, kind)}
    assert {f"in:{p}" for p in schema.FIELDS} <= keys
    # a list input (issue 12's price index) is a text of factors that writes the list
    at.text_input(key="in:market.price_index").set_value("1, 0.72, 0.85").run()
    assert at.session_state["scenario"].market.price_index == [1.0, 0.72, 0.85]
    spec = schema.FIELDS["heavy.server_price_cny"]
    w = at.number_input(key="in:heavy.server_price_cny")
    assert w.label == f"{spec.label_zh} [元/台]" and w.min == spec.ge and w.max == spec.le and w.step == spec.step
    assert spec.help_zh in w.help and at.session_state["scenario"].sources["heavy.server_price_cny"] in w.help
    assert spec.range_text() in w.help


def test_language_switch_relabels_everything(adir: Path) -> None:
    at = start()
    assert at.title[0].value == "投资概览"
    assert at.number_input(key=PRICE_KEY).label.startswith(schema.FIELDS[PRICE].label_zh)
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Investor overview"
    assert at.number_input(key=PRICE_KEY).label.startswith(schema.FIELDS[PRICE].label_en)
    assert payback_label("en") in [m.label for m in at.metric]
    assert metric(at, payback_label("en")).endswith("months")
    assert at.query_params["lang"] == "en"
    at.switch_page("app_pages/models.py").run()
    assert at.title[0].value == "Business models"


# --------------------------------------------------------------------------- links
def test_shared_link_reopens_the_same_inputs(adir: Path) -> None:
    ref = schema.load(adir / "h800_training_cluster.toml")
    changed = ref.replace({PRICE: 19.25, "heavy.occupancy": 0.55, "light.capacity_p": 12.0})
    params = share.encode(changed, ref, "h800_training_cluster", "zh")
    at = start(params)
    assert at.session_state["scenario"] == changed
    assert at.session_state["base"] == ref  # deltas are against the file the link names
    assert at.number_input(key=PRICE_KEY).value == 19.25
    assert metric(at, payback_label()) == fmt.months(model.evaluate(changed).heavy["payback_months"], "zh")


def test_bad_link_parameters_are_reported_and_ignored(adir: Path) -> None:
    at = start({PRICE: "30", "heavy.occupancy": "1.5", "heavy.nonsense": "1", "s": "../etc/passwd"})
    warning = "\n".join(w.value for w in at.warning)
    assert "heavy.occupancy" in warning and schema.FIELDS["heavy.occupancy"].range_text() in warning
    assert "heavy.nonsense" in warning
    assert "../etc/passwd" in warning  # unknown scenario: default opened instead
    s = at.session_state["scenario"]
    assert s.heavy.price_cny_per_card_hour == 30.0
    assert s.heavy.occupancy == schema.load(adir / "seed_fs2024.toml").heavy.occupancy


# --------------------------------------------------------------------------- scenario files
def test_save_then_load_a_named_scenario(adir: Path) -> None:
    at = start()
    at.number_input(key=PRICE_KEY).set_value(26.0).run()
    want = at.session_state["scenario"]
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="save_name").set_value("投资人_case-1").run()
    at.button(key="save_button").click().run()
    saved = adir / "user" / "投资人_case-1.toml"
    assert saved.is_file()
    assert schema.load(saved).replace({}).heavy == want.heavy
    assert at.session_state["base_id"] == "user/投资人_case-1"
    assert any("投资人_case-1" in o for o in at.selectbox(key="pick_scenario").options)
    # load another scenario, then the saved one back through the picker
    at.selectbox(key="pick_scenario").set_value("seed_fs2024").run()
    assert at.session_state["scenario"].heavy.price_cny_per_card_hour != 26.0
    at.selectbox(key="pick_scenario").set_value("user/投资人_case-1").run()
    assert at.session_state["scenario"].heavy == want.heavy
    assert at.query_params["s"] == "user/投资人_case-1"


@pytest.mark.parametrize("name", ["../escape", "a/b", "a.b", "", "seed_fs2024", "has space"])
def test_unsafe_or_reserved_names_are_refused(adir: Path, name: str) -> None:
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    before = {p: p.read_bytes() for p in adir.parent.rglob("*.toml")}
    at.text_input(key="save_name").set_value(name).run()
    at.button(key="save_button").click().run()
    assert not at.exception
    assert errors(at)  # a reason is shown
    assert {p: p.read_bytes() for p in adir.parent.rglob("*.toml")} == before  # nothing saved or changed anywhere


def test_existing_user_scenario_needs_overwrite(adir: Path) -> None:
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="save_name").set_value("twice").run()
    at.button(key="save_button").click().run()
    at.button(key="save_button").click().run()
    assert "twice" in errors(at)
    at.checkbox(key="save_overwrite").check().run()
    at.button(key="save_button").click().run()
    assert not at.error


def test_upload_valid_toml_loads_it(adir: Path) -> None:
    text = (adir / "h20_inference_west.toml").read_text(encoding="utf-8")
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    at.file_uploader(key="upload").set_value(("mine.toml", text.encode(), "application/toml")).run()
    assert not at.error
    assert at.session_state["scenario"] == schema.parse_toml(text)
    assert at.session_state["base_id"] == "upload:mine.toml"
    # the link lists every input that differs from the default preset, so it still reopens it
    again = start(dict(at.query_params))
    assert again.session_state["scenario"].heavy == schema.parse_toml(text).heavy


def test_upload_finmodel_workbook_loads_it(adir: Path) -> None:
    workbook = pytest.importorskip("finmodel.workbook")
    s = schema.load(adir / "h800_training_cluster.toml")
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key="upload").set_value(("model.xlsx", workbook.workbook_bytes(s), xlsx)).run()
    assert not at.error, errors(at)
    got = at.session_state["scenario"]
    assert (got.general, got.heavy, got.light) == (s.general, s.heavy, s.light)


@pytest.mark.parametrize("upload, reason", [
    (("bad.toml", b"[general]\n[heavy]\noccupancy = 1.5\n[light]\n", "application/toml"), "heavy.occupancy"),
    (("broken.toml", b"[heavy\nprice = ", "application/toml"), "TOML"),
    (("huge.toml", b"#" * (files.MAX_TOML_BYTES + 1), "application/toml"), f"{files.MAX_TOML_BYTES:,}"),
    (("fake.xlsx", b"not a zip file", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
     "Excel"),
])
def test_bad_upload_is_rejected_with_the_reason(adir: Path, upload: tuple, reason: str) -> None:
    at = start()
    before = at.session_state["scenario"]
    at.switch_page("app_pages/scenarios.py").run()
    at.file_uploader(key="upload").set_value(upload).run()
    assert not at.exception
    assert reason in errors(at)
    assert at.session_state["scenario"] == before


def test_compare_two_scenarios(adir: Path) -> None:
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    at.selectbox(key="compare_a").set_value("seed_fs2024")
    at.selectbox(key="compare_b").set_value("h800_training_cluster").run()
    table = at.dataframe[0].value
    rb = model.evaluate(schema.load(adir / "h800_training_cluster.toml"))
    col = [c for c in table.columns if c.startswith("B")][0]
    assert fmt.months(rb.heavy["payback_months"], "zh") in list(table[col])
    assert len(at.dataframe) >= 2  # the inputs that differ


# --------------------------------------------------------------------------- analysis pages
def test_market_demand_page_is_routed_and_its_fleet_is_used(adir: Path) -> None:
    if not (ROOT / "app_pages" / "demand.py").is_file():
        pytest.skip("app_pages/demand.py not present")
    at = start()
    at.switch_page("app_pages/demand.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.session_state["demand_servers"] = 7  # what the page's "use this fleet" button writes
    at.session_state["demand_gpu"] = "H100-SXM"
    at.switch_page("app_pages/overview.py").run()
    s = at.session_state["scenario"]
    assert (s.heavy.servers, s.heavy.gpu) == (7, "H100-SXM")
    assert metric(at, payback_label()) == fmt.months(model.evaluate(s).heavy["payback_months"], "zh")



def test_business_models_page_shows_the_package_comparison(adir: Path) -> None:
    at = start()
    at.switch_page("app_pages/models.py").run()
    want = business_models.business_models(model.evaluate(at.session_state["scenario"]))
    cells = at.table[0].value.to_numpy().ravel().tolist()
    assert fmt.price(want.loc["cost_per_card_hour", "cloud"], "zh") in cells
    assert fmt.wan(want.loc["upfront_cny", "heavy"], "zh") in cells


def test_sensitivity_page_monte_carlo_matches_the_module(adir: Path) -> None:
    montecarlo = pytest.importorskip("finmodel.analysis.montecarlo")
    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    assert not at.exception
    s = at.session_state["scenario"]
    run = montecarlo.run(s, montecarlo.default_distributions(s), 2000, 1,
                         metrics=("heavy.payback_months", "heavy.npv_cny", "heavy.irr", "heavy.gross_margin"))
    horizon = s.general.horizon_months
    label = f"{min(24, horizon)} 个月内回本概率"
    assert metric(at, label) == fmt.pct(run.prob_payback_within(min(24, horizon)), "zh")


def chart_data(at: AppTest) -> list:
    """The data tables of every Vega-Lite chart on the page (Arrow streams → DataFrames)."""
    import pyarrow as pa

    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas()
            for chart in at.get("vega_lite_chart") for d in chart.proto.datasets]


def test_heatmap_cells_are_the_workbooks_price_occupancy_grid(adir: Path) -> None:
    """The heatmap and the workbook's Sensitivity sheet read one definition of the price × occupancy
    axes (``finmodel.analysis.grid_axes``): the same cells, the current point among them."""
    from finmodel.analysis.grid_axes import grid_axes

    at = start({"s": "h800_training_cluster", PRICE: "19.37", "heavy.occupancy": "0.55"})
    at.switch_page("app_pages/sensitivity.py").run()
    assert not at.exception
    s = at.session_state["scenario"]
    cells = next(df for df in chart_data(at) if {"x", "y", "v_label", "current"} <= set(df.columns))
    xs, ys = grid_axes(s)
    assert sorted(set(cells["x"])) == xs and sorted(set(cells["y"])) == ys and len(cells) == len(xs) * len(ys)
    assert list(cells.loc[cells["current"], ["x", "y"]].itertuples(index=False, name=None)) == [(19.37, 0.55)]
    for x, y in ((xs[0], ys[0]), (xs[-1], ys[-1])):
        want = model.evaluate(s.replace({PRICE: x, "heavy.occupancy": y})).heavy["payback_months"]
        cell = cells[(cells["x"] == x) & (cells["y"] == y)]
        assert list(cell["v_label"]) == [fmt.months(want, "zh")]


def test_tornado_offers_the_declared_metrics(adir: Path) -> None:
    """The tornado's metric menu: the results the CLI's tornado reports by default
    (``results.DEFAULT_METRICS``: payback, NPV, IRR, gross margin), then the light model's NPV."""
    from finmodel.model import results

    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    want = [*results.DEFAULT_METRICS, "light.npv_cny"]
    titles = [f"{model.result_item(m).zh}" for m in want]
    options = at.selectbox(key="tornado_metric").options
    assert len(options) == len(want) and all(o.startswith(t) for o, t in zip(options, titles, strict=True))


def test_monte_carlo_bad_distribution_is_explained(adir: Path) -> None:
    pytest.importorskip("finmodel.analysis.montecarlo")
    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    at.session_state["mc_dists"] = {"edited_rows": {0: {"low": 0.99, "mode": 0.5}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    assert not at.exception
    assert "low ≤ mode ≤ high" in errors(at)


def test_solve_price_for_payback(adir: Path) -> None:
    sensitivity = pytest.importorskip("finmodel.analysis.sensitivity")
    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    at.number_input(key="solve_months").set_value(12.0)
    at.form_submit_button[0].click().run()
    s = at.session_state["scenario"]
    res = sensitivity.solve(s, PRICE, "heavy.payback_months", 12.0)
    assert fmt.price(res.value, "zh") in "\n".join(x.value for x in at.success)
    at.button(key="solve_apply").click().run()
    assert at.session_state["scenario"].heavy.price_cny_per_card_hour == pytest.approx(res.value)
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, payback_label()) == fmt.months(12.0, "zh")


def test_solve_price_for_irr(adir: Path) -> None:
    sensitivity = pytest.importorskip("finmodel.analysis.sensitivity")
    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    at.radio(key="solve_target").set_value("heavy.irr")
    at.slider(key="solve_irr").set_value(0.5)
    at.form_submit_button[0].click().run()
    res = sensitivity.solve(at.session_state["scenario"], PRICE, "heavy.irr", 0.5)
    assert fmt.price(res.value, "zh") in "\n".join(x.value for x in at.success)


def test_tooltips_follow_the_language():
    spec = schema.FIELDS["heavy.pue"]
    s = schema.default()
    assert spec.help_zh in widgets.help_text(spec, s, "zh")
    assert spec.help in widgets.help_text(spec, s, "en") and spec.help_zh not in widgets.help_text(spec, s, "en")
