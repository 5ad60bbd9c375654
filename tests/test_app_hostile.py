"""The dashboard driven by hostile links, uploads and saves (issue 15), headless (AppTest).

* Text that came from a user — link keys and values, uploaded file names, scenario names and
  sources — is shown literally: rendered as markdown (what Streamlit does with the body of
  st.warning/error/caption/…, with widget help and metric help) it holds no link, image, HTML,
  autolinked URL, colour directive, icon or LaTeX.
* A page given valid-looking input it cannot compute says so, and its other sections still render.
* An upload too deeply nested is refused before the parser recurses; a reader bug is one line.
* Two saves of one new scenario name at once: exactly one wins, the other is told the name is taken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402 - a dependency of rich (and so of typer)

from finmodel import model, schema  # noqa: E402
from finmodel.ui import files, i18n, safe, share  # noqa: E402

from . import test_app  # noqa: E402
from .test_app import ROOT, errors, metric, start  # noqa: E402

adir = test_app.adir  # the fixture: a private copy of assumptions/, read through $FINMODEL_ASSUMPTIONS_DIR

PHISH = "[verify your account](https://evil.example/login)"
#: Markdown an attacker may put in a link, a file name or a scenario: each would be live if
#: rendered as markdown by Streamlit (GFM autolinks bare URLs; ``:red[…]``, ``:material/…:``, LaTeX).
PAYLOADS = {
    "link": PHISH,
    "image": "![x](https://evil.example/a.png)",
    "html": '<img src="https://evil.example/a.png" onerror="alert(1)">',
    "bare-url": "https://evil.example/login",
    "www": "www.evil.example/login",
    "email": "help@evil.example",
    "autolink": "<https://evil.example/login>",
    "directive": ":red[urgent] :material/warning:",
    "latex": "$\\href{https://evil.example}{click}$",
    "code-breakout": "x` [verify](https://evil.example/login) `",
    "paragraph-breakout": "ok\n\n[verify](https://evil.example/login)",
}
_md = MarkdownIt("commonmark")
#: What would be live in a text node: GFM autolink literals to evil.example, Streamlit directives.
_LIVE_TEXT = ("https://evil", "http://evil", "www.evil", "@evil", ":red[", ":material/", "$")


def live_markup(body: str) -> list[str]:
    """The live constructs in ``body`` rendered as markdown: links and images to evil.example,
    HTML, and (in plain text, not in code spans) autolinkable URLs, directives and LaTeX."""
    bad: list[str] = []

    def walk(tokens) -> None:
        for tok in tokens:
            if tok.type in ("html_inline", "html_block"):
                bad.append(f"html {tok.content!r}")
            elif tok.type in ("link_open", "image") and "evil" in str(tok.attrs):
                bad.append(f"{tok.type} {tok.attrs}")
            elif tok.type == "text":
                bad.extend(f"text {tok.content!r}" for marker in _LIVE_TEXT if marker in tok.content)
            if tok.children:
                walk(tok.children)

    walk(_md.parse(body))
    return bad


MARKDOWN_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "warning", "error", "info", "success",
                     "toast")
WIDGETS_WITH_HELP = ("number_input", "slider", "selectbox", "metric", "text_input", "checkbox", "radio")


def rendered_markdown(at) -> list[tuple[str, str]]:
    """(where, body) of everything the page renders as markdown: element bodies and help texts."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    for kind in WIDGETS_WITH_HELP:
        out += [(f"{kind} help", str(w.help)) for w in getattr(at, kind) if getattr(w, "help", None)]
    return out


def assert_nothing_live(at) -> None:
    bad = [f"{where}: {problem}" for where, body in rendered_markdown(at) for problem in live_markup(body)]
    assert not bad, bad


def messages(at) -> str:
    return "\n".join(e.value for kind in ("warning", "error", "info") for e in getattr(at, kind))


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def no_exception(at) -> None:
    assert not at.exception, [str(e.value)[:300] for e in at.exception]


# --------------------------------------------------------------------------- the escaping helper
def test_the_checker_sees_each_payload_as_live_markdown() -> None:
    """The payloads are live when not escaped, or when naively put in backticks (so the tests
    below test something)."""
    for name, payload in PAYLOADS.items():
        assert live_markup(f"- {payload}") or live_markup(f"- `{payload}`"), name


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_literal_shows_each_payload_as_itself(name: str) -> None:
    payload = PAYLOADS[name]
    body = safe.message("**heading**", [f"heavy.gpu = {payload!r}: unknown GPU", payload])
    assert not live_markup(body), live_markup(body)
    assert safe.one_line(payload) in body  # still there, searchable and copyable


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=80))
def test_literal_is_one_code_span_holding_exactly_the_text(text: str) -> None:
    """Whatever the text, ``literal`` renders as one code span whose content is the text (line
    breaks as spaces): nothing before, after or inside it is markup."""
    want = safe.one_line(text)
    got = safe.literal(text)
    if not want:
        assert got == ""
        return
    tokens = _md.parseInline(got)[0].children
    assert [(t.type, t.content) for t in tokens] == [("code_inline", want)], got


def test_literal_cuts_long_text_to_one_readable_span() -> None:
    body = safe.literal("x" * 100_000)
    assert len(body) <= safe.MAX_CHARS + 2 and body.endswith("…`")


# --------------------------------------------------------------------------- phishing through a share link
@pytest.mark.parametrize("name", list(PAYLOADS))
def test_markdown_in_link_keys_and_values_is_shown_literally(adir: Path, name: str) -> None:
    """``?heavy.gpu=<payload>&heavy.<payload>=1``: both are reported in the "some link parameters
    were ignored" warning, as text."""
    payload = PAYLOADS[name]
    at = start({"heavy.gpu": payload, f"heavy.{payload}": "1"})
    warning = "\n".join(w.value for w in at.warning)
    assert i18n.t("bad_link", "zh") in warning and "heavy.gpu" in warning
    assert safe.one_line(i18n.t("link_unknown", "zh", param=f"heavy.{payload}")) in warning
    assert at.session_state["scenario"] == schema.load(adir / "seed_fs2024.toml")
    assert_nothing_live(at)


def test_markdown_in_the_scenario_id_of_a_link_is_shown_literally(adir: Path) -> None:
    at = start({"s": PHISH})
    assert PHISH in messages(at)
    assert_nothing_live(at)


def test_unknown_link_parameters_are_reported_in_the_session_language(adir: Path) -> None:
    seed = schema.load(adir / "seed_fs2024.toml")
    for lang, word in (("zh", "未知参数"), ("en", "unknown parameter")):
        _, problems = share.decode({"heavy.nonsense": "1"}, seed, lang)
        assert problems == [i18n.t("link_unknown", lang, param="heavy.nonsense")] and word in problems[0]
    at = start({"heavy.nonsense": "1", "lang": "en"})
    assert "heavy.nonsense: unknown parameter" in "\n".join(w.value for w in at.warning)


# --------------------------------------------------------------------------- phishing through uploads
@pytest.mark.parametrize("name", ["link", "image", "html", "bare-url", "code-breakout"])
def test_markdown_in_a_rejected_upload_name_is_shown_literally(adir: Path, name: str) -> None:
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    filename = PAYLOADS[name] + ".toml"
    at.file_uploader(key="upload").set_value((filename, b"[heavy\n", "application/toml")).run()
    no_exception(at)
    assert "TOML" in errors(at) and filename in errors(at)
    assert_nothing_live(at)


@pytest.mark.parametrize("name", ["link", "bare-url", "html", "code-breakout", "paragraph-breakout"])
def test_markdown_in_an_uploaded_scenario_is_shown_literally(adir: Path, name: str) -> None:
    """The uploaded scenario's name and a value's source carry the payload: the success notice,
    the overview caption, the price widget's help and the KPI help show it as text."""
    payload = PAYLOADS[name]
    s = schema.validate({**schema.default().to_dict(), "name": payload, "description": payload,
                         "sources": {"heavy.price_cny_per_card_hour": payload}})
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    at.file_uploader(key="upload").set_value((f"{name}.toml", schema.to_toml(s).encode(), "application/toml")).run()
    no_exception(at)
    assert at.session_state["scenario"].name == payload
    assert safe.one_line(payload) in "\n".join(x.value for x in at.success)
    assert_nothing_live(at)
    at.switch_page("app_pages/overview.py").run()
    no_exception(at)
    assert safe.one_line(payload) in at.number_input(key="in:heavy.price_cny_per_card_hour").help
    assert_nothing_live(at)


def test_markdown_in_a_workload_name_is_shown_literally(adir: Path) -> None:
    """The market-demand page quotes a bad workload row's name in its error."""
    at = start()
    at.switch_page("app_pages/demand.py").run()
    at.session_state["demand_editor"] = {"edited_rows": {0: {"name": PHISH, "models": -1}}, "added_rows": [],
                                         "deleted_rows": []}
    at.run()
    no_exception(at)
    assert PHISH in errors(at)
    assert_nothing_live(at)


# --------------------------------------------------------------------------- pages that cannot compute something
#: Links that are valid but leave a page with something it cannot compute. (1e-310 and 1e-322 TFLOPS
#: per card and a 5e-324 non-cash share were here until issue 11 bounded those inputs: see REFUSED.)
DEGENERATE = {
    "horizon-1": {"general.horizon_months": "1"},
    "price-and-occupancy-0": {"heavy.price_cny_per_card_hour": "0", "heavy.occupancy": "0"},
    "p-per-server-1e-310": {"light.p_per_server_override": "1e-310"},
}
#: Links that left pages with infinite lines before issue 11 and are now refused by the schema's
#: bounds (TFLOPS per card ≥ 0.1, non-cash share ≥ 0.01): a stricter premise than "blank the results".
REFUSED = {
    "tflops-1e-310": {"light.tflops_per_card": "1e-310"},
    "tflops-1e-322": {"light.tflops_per_card": "1e-322"},
    "noncash-share-5e-324": {"heavy.noncash_share_of_cost": "5e-324"},
}
PAGES = ("overview", "deal", "models", "sensitivity", "scenarios", "demand")
_seed_subheaders: dict[str, list[str]] = {}


def seed_subheaders(page: str) -> list[str]:
    if page not in _seed_subheaders:
        at = start()
        at.switch_page(f"app_pages/{page}.py").run()
        _seed_subheaders[page] = subheaders(at)
    return _seed_subheaders[page]


@pytest.mark.parametrize("case", list(DEGENERATE))
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_every_section_on_degenerate_links(adir: Path, case: str, page: str) -> None:
    params = DEGENERATE[case]
    at = start(params)
    at.switch_page(f"app_pages/{page}.py").run()
    no_exception(at)
    for path, value in params.items():  # the link was valid: the page really got these inputs
        assert at.session_state["scenario"].get(path) == float(value)
    assert subheaders(at) == seed_subheaders(page)


@pytest.mark.parametrize("case", list(REFUSED))
@pytest.mark.parametrize("page", PAGES)
def test_a_link_value_below_its_bound_is_refused_on_every_page(adir: Path, case: str, page: str) -> None:
    """The link opens the overview, then the user goes to ``page``: the refusal (field, allowed
    range) is still shown there — not only on the first page drawn — the file's value is kept, and
    the page draws every section it draws for the seed."""
    params = REFUSED[case]
    at = start(params)
    seed = schema.load(adir / "seed_fs2024.toml")
    at.switch_page(f"app_pages/{page}.py").run()
    no_exception(at)
    warning = "\n".join(w.value for w in at.warning)
    for path in params:
        assert at.session_state["scenario"].get(path) == seed.get(path)
        assert path in warning and schema.FIELDS[path].range_text() in warning, (page, warning)
    assert subheaders(at) == seed_subheaders(page)


def test_the_link_refusal_goes_when_another_scenario_is_loaded(adir: Path) -> None:
    at = start(REFUSED["tflops-1e-310"])
    at.switch_page("app_pages/models.py").run()
    assert "light.tflops_per_card" in "\n".join(w.value for w in at.warning)
    at.selectbox(key="pick_scenario").set_value("h800_training_cluster").run()
    no_exception(at)
    assert "light.tflops_per_card" not in "\n".join(w.value for w in at.warning)


@pytest.mark.parametrize("case", ["horizon-1", "price-and-occupancy-0"])
def test_sensitivity_page_says_no_input_moves_a_metric_that_never_pays_back(adir: Path, case: str) -> None:
    """``?general.horizon_months=1`` (or price and occupancy 0): payback is never, whatever the
    shock, so the tornado has no bars; the page says so and draws the heatmap, the goal seek and
    Monte Carlo."""
    from finmodel.ui import charts

    at = start(DEGENERATE[case])
    at.switch_page("app_pages/sensitivity.py").run()
    no_exception(at)
    want = i18n.t("tornado_flat", "zh", metric=charts.metric_title("heavy.payback_months", "zh"), pct=20,
                  value=i18n.t("never", "zh"))
    assert want in [x.value for x in at.info]
    assert len(at.get("vega_lite_chart")) >= 2  # heatmap and Monte Carlo histogram
    assert at.metric  # Monte Carlo probabilities


def test_subnormal_p_per_server_blanks_the_light_results_and_says_why(adir: Path) -> None:
    """``?light.p_per_server_override=1e-310`` (allowed: > 0): the light revenue per P-year is
    infinite. No light number is shown; the warning names the infinite lines; the heavy, build and
    cloud columns are unchanged. (Until issue 11 a subnormal ``light.tflops_per_card`` did this;
    it is now refused, see ``REFUSED``.)"""
    from finmodel.analysis import business_models

    at = start(DEGENERATE["p-per-server-1e-310"])
    s = at.session_state["scenario"]
    r = model.evaluate(s)
    line = i18n.item_label("light", "revenue_cny_per_p_year", "zh")
    assert line in "\n".join(w.value for w in at.warning)
    for key in model.light.HEADLINE:
        assert metric(at, i18n.item_label("light", key, "zh")) == "—"
    at.switch_page("app_pages/models.py").run()
    no_exception(at)
    assert line in "\n".join(w.value for w in at.warning)
    table = at.table[0].value
    assert set(table[i18n.t("opt_light", "zh")]) == {"—"}
    want = business_models.business_models(r)
    assert fmt_wan(want.loc["upfront_cny", "heavy"]) in list(table[i18n.t("opt_heavy", "zh")])


def test_a_finite_kpi_built_on_an_infinite_line_is_not_shown(adir: Path) -> None:
    """``?light.p_per_server_override=1e-310``: the resale price per P is infinite, so the break-even
    occupancy divides by it and reads 0 % — a finite figure built on an infinite line. The
    break-even cards show "—" and the warning names the infinite lines, on every page that shows
    results. (Until issue 11 the heavy case was ``heavy.noncash_share_of_cost = 5e-324``, now
    refused: the share is at least 0.01.)"""
    at = start(DEGENERATE["p-per-server-1e-310"])
    r = model.evaluate(at.session_state["scenario"])
    assert r.light["breakeven_occupancy"] == 0.0  # what the engine reports
    line = i18n.item_label("light", "spread_cny_per_p_year", "zh")
    for page in ("overview", "models", "sensitivity", "scenarios"):
        at.switch_page(f"app_pages/{page}.py").run()
        no_exception(at)
        assert line in "\n".join(w.value for w in at.warning), page
    at.switch_page("app_pages/models.py").run()
    for key in ("breakeven_occupancy", "worst_breakeven_occupancy"):
        assert metric(at, i18n.item_label("light", key, "zh")) == "—", key


def fmt_wan(x: float) -> str:
    from finmodel.ui import fmt

    return fmt.wan(x, "zh")


def test_comparison_that_cannot_be_computed_is_explained(adir: Path) -> None:
    """``?light.p_per_server_override=5e-324`` (the smallest positive float; until issue 11 a
    1e-322 ``light.tflops_per_card``, now refused): ``business_models`` divides by the P per
    server. The page names any error and still draws its sections."""
    at = start({"light.p_per_server_override": "5e-324"})
    at.switch_page("app_pages/models.py").run()
    no_exception(at)
    assert "ZeroDivisionError" in errors(at) or not at.error  # fixed in the library: then a table
    assert subheaders(at) == seed_subheaders("models")


def test_monte_carlo_with_huge_bounds_names_the_distribution(adir: Path) -> None:
    """Triangular(-1e308, 0, 1e308) for the occupancy overflows while sampling: the page names the
    distribution and the error; the other sections still render."""
    at = start()
    at.switch_page("app_pages/sensitivity.py").run()
    at.session_state["mc_dists"] = {"edited_rows": {0: {"low": -1e308, "mode": 0.0, "high": 1e308}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    no_exception(at)
    assert "heavy.occupancy" in errors(at) and "1e+308" in errors(at)
    assert subheaders(at) == seed_subheaders("sensitivity")
    assert at.get("vega_lite_chart")  # tornado and heatmap


# --------------------------------------------------------------------------- upload limits
DEEP = {
    "arrays": "[general]\n[heavy]\n[light]\n[x]\ny = " + "[" * 500 + "1" + "]" * 500 + "\n",
    "inline-tables": "[general]\n[heavy]\n[light]\nx = " + "{ a = " * 500 + "1" + " }" * 500 + "\n",
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deeply_nested_toml_is_refused_before_parsing(case: str) -> None:
    with pytest.raises(files.FileProblem) as err:
        files.parse_upload("deep.toml", DEEP[case].encode())
    assert err.value.code == "err_too_deep"
    assert str(schema.MAX_TOML_NESTING) in err.value.message("en") and "\n" not in err.value.message("zh")


def test_deep_table_headers_are_refused_by_the_schema_in_one_line() -> None:
    """``[a.a.a.…]`` 5,000 levels deep: tomllib builds it without recursion; the schema refuses the
    unknown key in one line."""
    text = "[general]\n[heavy]\n[light]\n[" + ".".join(["a"] * 5000) + "]\n"
    with pytest.raises(schema.ScenarioError) as err:
        files.parse_upload("deep.toml", text.encode())
    assert len(err.value.lines()) == 1 and len(err.value.lines()[0]) < 300


def test_nesting_scan_skips_strings_and_comments_and_accepts_every_preset() -> None:
    opened = "[" * 40
    for text in (f'x = "{opened}"', f"x = '{opened}'", f'x = """\n{opened}\n"""', f"x = '''\n{opened}\n'''",
                 f"# {opened}\nx = 1", f'x = "a\\"{opened}"'):
        assert schema.toml_nesting(text) == 0, text
    assert schema.toml_nesting("x = [[1], [2, [3]]]") == 3
    assert schema.toml_nesting("x = " + "[" * 1000) == schema.MAX_TOML_NESTING + 1  # stops counting past the limit
    for p in (ROOT / "assumptions").rglob("*.toml"):
        assert schema.toml_nesting(p.read_text(encoding="utf-8")) <= 2, p.name


@pytest.mark.parametrize("text", ['"""' + '\\"""\n' * 150_000, "'''" + "''\n" * 300_000, "[]" * 400_000,
                                  'x = """' + "a" * 900_000], ids=["escaped-quotes", "quotes", "brackets", "open"])
def test_nesting_scan_of_a_hostile_megabyte_is_fast(text: str) -> None:
    assert len(text.encode()) <= files.MAX_TOML_BYTES
    t0 = time.thread_time()  # CPU time of this thread: a loaded machine stretches the wall time only
    schema.toml_nesting(text)
    assert time.thread_time() - t0 < 2.0


def test_deeply_nested_upload_is_refused_and_the_page_still_renders(adir: Path) -> None:
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    before, headings = at.session_state["scenario"], subheaders(at)
    at.file_uploader(key="upload").set_value(("deep.toml", DEEP["arrays"].encode(), "application/toml")).run()
    no_exception(at)
    assert "deep.toml" in errors(at) and str(schema.MAX_TOML_NESTING) in errors(at)
    assert at.session_state["scenario"] == before and subheaders(at) == headings and at.dataframe


def test_a_reader_bug_on_an_upload_is_one_line_not_a_traceback(adir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = pytest.importorskip("finmodel.workbook")

    def broken(data: bytes):
        raise IndexError("shared string index 99\nout of range")

    monkeypatch.setattr(workbook, "read_workbook", broken)
    with pytest.raises(files.FileProblem) as err:
        files.parse_upload("model.xlsx", b"PK\x03\x04 not really")
    assert err.value.code == "err_unreadable" and "\n" not in err.value.message("zh")
    at = start()
    at.switch_page("app_pages/scenarios.py").run()
    at.file_uploader(key="upload").set_value(("model.xlsx", b"PK\x03\x04 not really", workbook.XLSX_MIME)).run()
    no_exception(at)
    assert "IndexError: shared string index 99 out of range" in errors(at)


# --------------------------------------------------------------------------- a lost save
def _race_threads(seed: schema.Scenario, name: str) -> list[tuple[float, str]]:
    """Two threads save ``name`` (prices 20 and 30), released at once; each result: (price, outcome)."""
    barrier = threading.Barrier(2)
    out: list[tuple[float, str]] = []

    def save(price: float) -> None:
        s = seed.replace({"heavy.price_cny_per_card_hour": price})
        barrier.wait()
        try:
            files.save_user(s, name)
        except files.FileProblem as err:
            out.append((price, err.code))
        else:
            out.append((price, "saved"))

    threads = [threading.Thread(target=save, args=(p,)) for p in (20.0, 30.0)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def assert_one_winner(outcomes: list[tuple[float, str]], path: Path) -> None:
    assert sorted(o for _, o in outcomes) == ["err_name_exists", "saved"], outcomes
    winner = next(p for p, o in outcomes if o == "saved")
    assert schema.load(path).heavy.price_cny_per_card_hour == winner  # the loser did not replace it
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_two_threads_saving_one_new_name_one_wins(adir: Path) -> None:
    seed = schema.load(adir / "seed_fs2024.toml")
    for i in range(10):
        outcomes = _race_threads(seed, f"race{i}")
        assert_one_winner(outcomes, adir / "user" / f"race{i}.toml")


def test_two_threads_one_wins_without_hard_links(adir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system without hard links the exclusive create still lets exactly one win."""

    def no_links(src: str, dst: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    seed = schema.load(adir / "seed_fs2024.toml")
    for i in range(10):
        assert_one_winner(_race_threads(seed, f"nolink{i}"), adir / "user" / f"nolink{i}.toml")


_RACER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from finmodel import schema
    from finmodel.ui import files
    folder, me, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    s = schema.load(Path(os.environ["FINMODEL_ASSUMPTIONS_DIR"]) / "seed_fs2024.toml")
    s = s.replace({"heavy.price_cny_per_card_hour": float(me)})
    for r in range(rounds):
        (folder / f"ready{r}-{me}").touch()
        while not (folder / f"go{r}").exists():
            pass
        try:
            files.save_user(s, f"proc{r}")
            outcome = "saved"
        except files.FileProblem as err:
            outcome = err.code
        print(json.dumps([r, float(me), outcome]), flush=True)
""")


def test_two_processes_saving_one_new_name_one_wins(adir: Path, tmp_path: Path) -> None:
    """Two processes (two users on one server), released at once by a "go" file, 10 rounds."""
    rounds, sync = 10, tmp_path / "sync"
    sync.mkdir()
    env = {**os.environ, files.ENV_DIR: str(adir)}
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, str(sync), me, str(rounds)], env=env,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT) for me in ("20", "30")]
    try:
        for r in range(rounds):
            deadline = time.monotonic() + 60
            while not all((sync / f"ready{r}-{me}").exists() for me in ("20", "30")):
                assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a racer died"
                time.sleep(0.005)
            (sync / f"go{r}").touch()
        results = [json.loads(line) for p in procs for line in p.communicate(timeout=60)[0].splitlines()]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs)
    for r in range(rounds):
        assert_one_winner([(price, outcome) for rr, price, outcome in results if rr == r],
                          adir / "user" / f"proc{r}.toml")


def test_the_loser_of_a_dashboard_save_is_told_the_name_is_taken(adir: Path) -> None:
    """A second session saving a name the first one just took sees the reason; the file is the
    first session's."""
    first, second = start(), start()
    for at in (first, second):
        at.switch_page("app_pages/scenarios.py").run()
        at.text_input(key="save_name").set_value("shared").run()
    first.button(key="save_button").click().run()
    saved = (adir / "user" / "shared.toml").read_bytes()
    second.button(key="save_button").click().run()
    no_exception(second)
    assert "shared" in errors(second) and i18n.t("save_bad", "zh") in errors(second)
    assert (adir / "user" / "shared.toml").read_bytes() == saved
