"""The dashboard's pure parts: Altair chart builders, display tables, formatting, strings, links and
scenario files. No Streamlit session needed.

Every chart is serialised with Altair's JSON-schema validation on (the app skips it per rerun for
speed, so this is where an invalid spec would be caught).
"""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finmodel import model, schema
from finmodel.analysis import business_models, grid_axes
from finmodel.schema import catalog
from finmodel.ui import charts, files, fmt, i18n, present, share

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "assumptions" / "seed_fs2024.toml"


@pytest.fixture(scope="module")
def seed() -> schema.Scenario:
    return schema.load(SEED)


@pytest.fixture(scope="module")
def result(seed: schema.Scenario) -> model.Result:
    return model.evaluate(seed)


def spec_of(chart) -> dict:
    d = chart.to_dict()  # validates against the Vega-Lite schema
    assert d["config"]["locale"]["number"]["currency"] == ["¥", ""]
    assert "CJK" in d["config"]["font"]
    assert charts.spec(chart) == d
    return d


def layers(d: dict) -> list[dict]:
    return d.get("layer", [d])


def data_of(d: dict, layer: dict) -> list[dict]:
    name = layer.get("data", d.get("data", {})).get("name")
    return d["datasets"][name]


# --------------------------------------------------------------------------- cumulative cash flow
@pytest.mark.parametrize("lang", i18n.LANGS)
def test_cash_flow_marks_the_engines_payback(result: model.Result, lang: str) -> None:
    h = result.heavy
    d = spec_of(charts.cash_flow(result.heavy_monthly, h["payback_months"], h["discounted_payback_months"], lang))
    rules = [ly for ly in layers(d) if ly["mark"]["type"] == "rule" and ly["encoding"].get("x")]
    xs = sorted(data_of(d, ly)[0]["month"] for ly in rules)
    assert xs == sorted([h["payback_months"], h["discounted_payback_months"]])
    texts = [data_of(d, ly)[0]["text"] for ly in layers(d) if ly["mark"]["type"] == "text"]
    assert i18n.t("payback_at", lang, m=fmt.months(h["payback_months"], lang)) in texts
    y_axis = next(ly["encoding"]["y"] for ly in layers(d) if ly["mark"]["type"] == "line")
    assert "10000" in y_axis["axis"]["labelExpr"]  # 万元 axis, data still in CNY


def test_cash_flow_says_when_there_is_no_payback(result: model.Result) -> None:
    d = spec_of(charts.cash_flow(result.heavy_monthly, float("nan"), float("nan"), "zh"))
    texts = [data_of(d, ly)[0]["text"] for ly in layers(d) if ly["mark"]["type"] == "text"]
    assert texts == [i18n.t("no_payback", "zh")]
    assert not [ly for ly in layers(d) if ly["mark"]["type"] == "rule" and ly["encoding"].get("x")]


# --------------------------------------------------------------------------- annual structure
@pytest.mark.parametrize("which", ["heavy", "light"])
def test_annual_structure_adds_up_to_the_engines_totals(which: str) -> None:
    s = schema.load(ROOT / "assumptions" / "h800_training_cluster.toml")
    r = model.evaluate(s)
    monthly = getattr(r, f"{which}_monthly")
    table = present.annual_structure(monthly, which, "zh")
    for line, amount in table.groupby("line")["amount_cny"].sum().items():
        assert amount == pytest.approx(monthly[line].sum(), rel=1e-12)
    assert set(table["year"]) == set(range(1, math.ceil(s.general.horizon_months / 12) + 1))
    spec_of(charts.annual_structure(table, "en"))


def test_year_of_month() -> None:
    assert list(present.year_of_month(np.array([0, 1, 12, 13, 24, 25]))) == [0, 1, 1, 2, 2, 3]


# --------------------------------------------------------------------------- heatmap
def test_heatmap_never_is_null_and_legible_and_colours_clamped(seed: schema.Scenario) -> None:
    x, y = "heavy.price_cny_per_card_hour", "heavy.occupancy"
    prices, occs = grid_axes.grid_axes(seed)
    assert seed.heavy.price_cny_per_card_hour in prices and seed.heavy.occupancy in occs
    rows = [{x: p, y: o, "heavy.payback_months": (float("nan") if o < 0.35 else 60 * (1 - o) + 10 / p)}
            for p in prices for o in occs]
    grid = pd.DataFrame(rows)
    d = spec_of(charts.payback_heatmap(grid, x, y, "heavy.payback_months",
                                       (seed.heavy.price_cny_per_card_hour, seed.heavy.occupancy), "zh",
                                       horizon_months=60))
    cells = d["datasets"][d["data"]["name"]] if "data" in d else data_of(d, layers(d)[0])
    never = [c for c in cells if c["v"] is None]
    assert never and all(c["text"] == "—" for c in never)
    assert sum(c["current"] for c in cells) == 1
    color = next(ly for ly in layers(d) if "color" in ly.get("encoding", {}) and "field" in ly["encoding"]["color"])
    assert color["encoding"]["color"]["scale"]["clamp"] is True
    assert color["encoding"]["color"]["scale"]["domain"] == [0, 60]
    assert any(ly["mark"].get("stroke") == "black" for ly in layers(d))  # the current point framed


# --------------------------------------------------------------------------- tornado
def test_tornado_sorted_by_swing_with_never_labelled() -> None:
    table = pd.DataFrame([
        {"field": "heavy.occupancy", "label_en": "Occupancy", "label_zh": "出租率", "unit": "", "base_input": 1.0,
         "low_input": 0.8, "high_input": 1.0, "metric": "heavy.payback_months", "base_result": 16.0,
         "low_result": float("nan"), "high_result": 16.0, "swing": float("nan")},
        {"field": "heavy.pue", "label_en": "PUE", "label_zh": "PUE", "unit": "", "base_input": 1.25,
         "low_input": 1.0, "high_input": 1.5, "metric": "heavy.payback_months", "base_result": 16.0,
         "low_result": 15.9, "high_result": 16.1, "swing": 0.2},
        {"field": "heavy.price_cny_per_card_hour", "label_en": "Rental price", "label_zh": "租金单价", "unit": "",
         "base_input": 22.5, "low_input": 18.0, "high_input": 27.0, "metric": "heavy.payback_months",
         "base_result": 16.0, "low_result": 21.0, "high_result": 13.0, "swing": 8.0},
        {"field": "heavy.pue", "label_en": "PUE", "label_zh": "PUE", "unit": "", "base_input": 1.25,
         "low_input": 1.0, "high_input": 1.5, "metric": "heavy.npv_cny", "base_result": 1.0,
         "low_result": 2.0, "high_result": 0.0, "swing": 2.0},
    ])
    d = spec_of(charts.tornado(table, "heavy.payback_months", "en", shock_pct=20, never_at=60))
    bars = layers(d)[0]
    assert bars["encoding"]["y"]["sort"] == ["Occupancy", "Rental price", "PUE"]  # never first, then swing
    rows = data_of(d, bars)
    never = [r for r in rows if r["never"]]
    assert len(never) == 1 and never[0]["value"] == 60 and never[0]["shown"] == "never"
    assert {r["case"] for r in rows} == {"input −20%", "input +20%"}


# --------------------------------------------------------------------------- other charts
def test_market_and_models_and_histogram_and_compare_charts(result: model.Result) -> None:
    prices = catalog.cloud_prices()
    prices = prices[prices["gpu"] == "A100-40G-NVLink"]
    d = spec_of(charts.market_prices(prices, 22.5, "zh"))
    assert any(ly["mark"]["type"] == "rule" for ly in layers(d))
    table = business_models.business_models(result)
    spec_of(charts.business_models(table, "en"))
    spec_of(charts.cost_per_card_hour(table, 22.5, "zh"))
    draws = np.r_[np.linspace(10, 30, 99), np.nan]
    d = spec_of(charts.histogram(draws, {"p10": 12.0, "p50": 20.0, "p90": 28.0}, "heavy.payback_months", "zh"))
    texts = [r["text"] for ly in layers(d) if ly["mark"]["type"] == "text" for r in data_of(d, ly)]
    assert texts == ["P10 12.0", "P50 20.0", "P90 28.0"]
    spec_of(charts.compare_cash_flows({"A": result.heavy_monthly, "B": result.light_monthly}, "zh"))


# --------------------------------------------------------------------------- portfolio charts
@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("preset", ["h800_lots", "three_generations"])
def test_portfolio_charts_stack_the_engines_lines_with_units_and_cohort_names(preset: str, lang: str) -> None:
    from finmodel.model import portfolio_result as pr
    from finmodel.schema import portfolio
    from finmodel.ui import portfolio_charts as pc
    from finmodel.ui import portfolio_view as pv

    r = pr.evaluate(portfolio.load(ROOT / "assumptions" / "portfolio" / f"{preset}.toml"))
    names = list(pv.cohort_names(r.portfolio).values())
    for key in pv.FLOW_LINES:
        d = spec_of(pc.flows_by_cohort(pv.cohort_lines(r, key), pv.company_line(r, key), key, names, lang))
        bars, line = layers(d)[0], layers(d)[1]
        assert bars["encoding"]["color"]["scale"]["domain"] == names
        assert bars["encoding"]["y"]["title"] == pv.item_label(key, lang, with_unit=True)
        assert i18n.t("wan_axis", lang) in bars["encoding"]["y"]["title"]
        assert [row["value"] for row in data_of(d, line)] == list(r.monthly[key])  # the company's own line
        stacked = pd.DataFrame(data_of(d, bars)).pivot(index="month", columns="group", values="value")
        assert stacked[names].to_numpy() == pytest.approx(r.cohort_monthly[key].to_numpy(), rel=0, abs=0)
    for key, by in pv.CAPACITY_VIEWS:
        order = pv.order(r, by)
        d = spec_of(pc.capacity(pv.capacity(r, key, by), key, by, order, lang))
        assert d["encoding"]["color"]["scale"]["domain"] == order
        assert d["encoding"]["y"]["title"].endswith(f"[{i18n.unit(pr.item(key).unit, lang)}]")
        total = pd.DataFrame(data_of(d, d)).groupby("month")["value"].sum()
        assert total.to_numpy() == pytest.approx(r.monthly[key].to_numpy(), rel=1e-12, abs=1e-9)  # Σ = company


def test_portfolio_result_units_are_translated() -> None:
    from finmodel.model import portfolio_items as pi
    from finmodel.model import portfolio_result as pr

    for key in (*pi.KPIS, *pi.COHORT_KPIS, *pi.STATEMENT, *pi.FLEET):
        assert pr.item(key).unit in i18n.UNITS_ZH, key


# --------------------------------------------------------------------------- comparison of business models
def test_business_models_identities(result: model.Result) -> None:
    t = business_models.business_models(result)
    h = result.heavy
    assert t.loc["upfront_cny", "heavy"] == h["capex_cny"] == t.loc["upfront_cny", "self"]
    assert t.loc["net_cash_cny", "heavy"] == pytest.approx(result.heavy_monthly["cumulative_cash_flow_cny"].iloc[-1])
    assert t.loc["payback_months", "heavy"] == h["payback_months"]
    s = result.scenario
    hours = h["hours_per_month"] * s.general.horizon_months * s.heavy.servers * s.heavy.cards_per_server
    assert t.loc["card_hours", "heavy"] == pytest.approx(hours * s.heavy.occupancy)
    market = business_models.market_price_cny_per_card_hour(s.heavy.gpu, "hourly")
    means = catalog.printed_means()
    printed = means[(means.gpu == s.heavy.gpu) & (means.billing == "hourly")]["mean"].iloc[0]
    assert market == pytest.approx(printed, abs=0.05)  # the seed's 均值 column, printed to 0.1
    assert t.loc["horizon_cost_cny", "cloud"] == pytest.approx(market * t.loc["card_hours", "cloud"])
    assert math.isnan(business_models.market_price_cny_per_card_hour("H100-SXM", "hourly"))


# --------------------------------------------------------------------------- formatting and strings
def test_formatting() -> None:
    assert fmt.months(16.158, "zh") == "16.2 个月" and fmt.months(16.158, "en") == "16.2 months"
    assert fmt.months(float("nan"), "zh") == "未回本" and fmt.months(None, "en") == "never"
    assert fmt.wan(3_730_442.2, "zh") == "373.0 万元"
    assert fmt.price(22.5) == "¥22.50" and fmt.pct(0.6195) == "62.0%"
    assert fmt.pct(float("nan"), "en", missing="none") == "none"
    assert fmt.delta(-1.94, "months", "zh") == "-1.9 个月" and fmt.delta(0.0, "cny", "zh") is None
    assert fmt.delta(0.021, "frac", "en") == "+2.1 pp" and fmt.delta(float("nan"), "cny", "en") is None


def test_every_string_field_group_unit_and_choice_is_translated() -> None:
    for key, (zh, en) in i18n.STRINGS.items():
        assert zh and en, key
    for path, spec in schema.FIELDS.items():
        assert spec.group in i18n.GROUPS, path
        assert spec.unit in i18n.UNITS_ZH, (path, spec.unit)
        for c in spec.choices:
            assert c in i18n.CHOICES or c.isupper(), (path, c)  # precisions such as FP16 stay as they are
        assert i18n.field_label(path, "zh").startswith(spec.label_zh)
        assert i18n.field_label(path, "en").startswith(spec.label_en)
    for which in ("heavy", "light"):
        for key in model.row_keys(which) + model.scalar_keys(which):
            assert model.item(which, key).unit in i18n.UNITS_ZH, (which, key)
    with pytest.raises(KeyError):
        i18n.t("no_such_key", "zh")


# --------------------------------------------------------------------------- links
def test_link_round_trip_is_exact_and_lists_only_changes(seed: schema.Scenario) -> None:
    changed = seed.replace({"heavy.price_cny_per_card_hour": 0.1 + 0.2, "heavy.billing_mode": "annual",
                            "light.p_per_server_override": 2.5, "general.horizon_months": 48})
    params = share.encode(changed, seed, "seed_fs2024", "en")
    assert set(params) == {"heavy.price_cny_per_card_hour", "heavy.billing_mode", "light.p_per_server_override",
                           "general.horizon_months", "lang"}
    back, problems = share.decode(params, seed)
    assert back == changed and not problems
    # optional inputs can be cleared through a link
    cleared, _ = share.decode({"light.p_per_server_override": ""}, changed)
    assert cleared.light.p_per_server_override is None


def test_link_values_go_through_the_schema(seed: schema.Scenario) -> None:
    back, problems = share.decode({"heavy.occupancy": "2", "heavy.servers": "3", "heavy.pue": "nan",
                                   "heavy.gpu": "B200", "light.sell_price_basis": "p_year"}, seed)
    text = "\n".join(problems)
    assert back.heavy.servers == 3 and back.heavy.occupancy == seed.heavy.occupancy
    assert "heavy.occupancy" in text and schema.FIELDS["heavy.occupancy"].range_text() in text
    assert "heavy.pue" in text and "heavy.gpu" in text
    assert back.light.sell_price_basis == seed.light.sell_price_basis  # cross-field rule failed: not applied


# --------------------------------------------------------------------------- scenario files
def test_files_safe_names_presets_and_atomic_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  seed: schema.Scenario) -> None:
    monkeypatch.setenv(files.ENV_DIR, str(tmp_path))
    (tmp_path / "seed_fs2024.toml").write_bytes(SEED.read_bytes())
    for bad in ["", " ", "../x", "a/b", "a\\b", "a.b", ".hidden", "x" * 65, "名字 空格", "con:1"]:
        with pytest.raises(files.FileProblem):
            files.check_name(bad)
    assert files.check_name("投资人_case-1") == "投资人_case-1"
    with pytest.raises(files.FileProblem) as err:
        files.save_user(seed, "seed_fs2024")
    assert err.value.code == "err_name_preset"
    ref = files.save_user(seed.replace({"heavy.occupancy": 0.7}), "mine")
    assert ref.id == "user/mine" and ref.path == (tmp_path / "user" / "mine.toml").resolve()
    assert files.load("user/mine").heavy.occupancy == 0.7 and files.load("user/mine").name == "mine"
    with pytest.raises(files.FileProblem):
        files.save_user(seed, "mine")
    files.save_user(seed, "mine", overwrite=True)
    assert [p.name for p in (tmp_path / "user").iterdir()] == ["mine.toml"]  # no temp files left
    assert [r.id for r in files.list_refs()] == ["seed_fs2024", "user/mine"]
    for bad_id in ["../seed_fs2024", "user/../seed_fs2024", "user/missing", "/etc/passwd"]:
        assert files.find(bad_id) is None
    # a symlink in user/ pointing outside is not followed
    outside = tmp_path.parent / "outside.toml"
    outside.write_bytes(SEED.read_bytes())
    (tmp_path / "user" / "link.toml").symlink_to(outside)
    assert files.find("user/link") is None


def test_parse_upload_reasons() -> None:
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert files.MAX_XLSX_BYTES == cfg["server"]["maxUploadSize"] * 2**20
    with pytest.raises(files.FileProblem) as err:
        files.parse_upload("big.xlsx", b"PK" + b"0" * files.MAX_XLSX_BYTES)
    assert err.value.code == "err_too_large"
    with pytest.raises(files.FileProblem) as err:
        files.parse_upload("x.txt", b"abc")
    assert err.value.code == "err_type" and ".txt" in err.value.message("en")
    with pytest.raises(files.FileProblem) as err:
        files.parse_upload("x.toml", b"\xff\xfe")
    assert err.value.code == "err_not_utf8"
    with pytest.raises(schema.ScenarioError) as serr:
        files.parse_upload("x.toml", b"[general]\n[heavy]\npue = 9\n[light]\n")
    assert "heavy.pue" in str(serr.value)
    assert files.parse_upload("x.toml", SEED.read_bytes()) == schema.load(SEED)


# --------------------------------------------------------------------------- architecture
def test_only_the_ui_package_imports_streamlit() -> None:
    offenders = []
    for path in (ROOT / "finmodel").rglob("*.py"):
        if "ui" in path.relative_to(ROOT / "finmodel").parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "streamlit" for n in names):
                offenders.append(str(path))
    assert not offenders


def test_pure_ui_modules_do_not_import_streamlit() -> None:
    for name in ("fmt", "i18n", "present", "charts", "files", "share", "portfolio_view", "portfolio_charts",
                 "portfolio_files"):
        src = (ROOT / "finmodel" / "ui" / f"{name}.py").read_text(encoding="utf-8")
        assert "import streamlit" not in src, name


def test_config_limits_uploads_and_hides_tracebacks() -> None:
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["maxUploadSize"] <= 2
    assert cfg["client"]["showErrorDetails"] in ("none", "type", False)
    assert cfg["browser"]["gatherUsageStats"] is False
    json.dumps(cfg)


def resolved_layers(d: dict) -> list[list[dict]]:
    """Each layer's rows, whether inline (``data.values``, Altair's default) or a named dataset."""
    named = d.get("datasets", {})
    return [named[layer["data"]["name"]] if "name" in layer["data"] else layer["data"]["values"]
            for layer in layers(d)]


@pytest.mark.parametrize("case", ["payback", "never", "no-discounted"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fast_cash_flow_spec_is_the_chart_with_its_data(result: model.Result, case: str, lang: str) -> None:
    """The overview draws ``cash_flow_spec`` (structure built once, data added per rerun): the same
    layers, encodings and rows as the Altair chart's own serialisation, for every layer set."""
    h = result.heavy
    pb, dpb = {"payback": (h["payback_months"], h["discounted_payback_months"]), "never": (math.nan, math.nan),
               "no-discounted": (h["payback_months"], math.nan)}[case]
    slow = charts.spec(charts.cash_flow(result.heavy_monthly, pb, dpb, lang))
    fast = charts.cash_flow_spec(result.heavy_monthly, pb, dpb, lang)
    assert resolved_layers(fast) == resolved_layers(slow)
    no_data = [{k: v for k, v in layer.items() if k != "data"} for layer in layers(slow)]
    assert [{k: v for k, v in layer.items() if k != "data"} for layer in layers(fast)] == no_data
    assert {k: v for k, v in fast.items() if k not in ("layer", "datasets")} == {
        k: v for k, v in slow.items() if k not in ("layer", "datasets")}
    again = charts.cash_flow_spec(result.heavy_monthly * 2, pb, dpb, lang)  # another scenario, same structure
    assert again["layer"] is fast["layer"] or again["layer"] == fast["layer"]
    assert again["datasets"] != fast["datasets"]
