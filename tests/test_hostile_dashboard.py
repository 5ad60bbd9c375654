"""Issue 15, "The dashboard, driven by hostile links and uploads" (Streamlit ``AppTest``, headless).

* Text that came from a user (link parameters and keys, uploaded file names, scenario names) is
  shown escaped: rendered as CommonMark (what ``st.warning``/``st.error``/``st.caption`` do with
  their body) it holds no link and no image.
* A page given valid-looking input it cannot compute says so, and the rest of the page still renders:
  no exception element, and every section heading the page shows for the seed is still there.

Scenario files are read from and written to a private copy of ``assumptions/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from markdown_it import MarkdownIt  # noqa: E402 - a dependency of rich (and so of typer)
from streamlit.testing.v1 import AppTest  # noqa: E402

from finmodel import schema  # noqa: E402
from finmodel.ui import files, i18n  # noqa: E402

from .test_hostile_inputs import SEED_TEXT  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60
PHISH = "[verify your account](https://evil.example/login)"
IMAGE = "![x](https://evil.example/a.png)"
MARKDOWN_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "warning", "error", "info", "success",
                     "toast")
_md = MarkdownIt("commonmark")


@pytest.fixture()
def adir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped presets; the app reads and writes only there."""
    d = tmp_path / "assumptions"
    d.mkdir()
    for p in (ROOT / "assumptions").glob("*.toml"):
        shutil.copy(p, d / p.name)
    monkeypatch.setenv(files.ENV_DIR, str(d))
    return d


@pytest.fixture(autouse=True)
def plain_exception_log():
    """An escaping exception is logged as plain text (rich needs seconds for a 1,000-frame
    RecursionError) and shown with its type and message (the app's config redacts both), so that a
    failure here names it."""
    from streamlit import config

    options = {"logger.enableRich": False, "client.showErrorDetails": "full"}
    old = {k: config.get_option(k) for k in options}
    for k, v in options.items():
        config.set_option(k, v)
    yield
    for k, v in old.items():
        config.set_option(k, v)


def start(params: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    """The app opened with link parameters, then (optionally) switched to ``app_pages/<page>.py``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page is not None and not at.exception:
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of every element whose text Streamlit renders as markdown."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        try:
            elements = getattr(at, kind)
        except (AttributeError, KeyError):
            continue
        out += [(kind, str(e.value)) for e in elements]
    return out


def live_links(at: AppTest) -> list[str]:
    """Elements whose text renders as a link to or an image from evil.example."""
    bad = []
    for kind, text in texts(at):
        html = _md.render(text)
        if "<img" in html or 'href="https://evil.example' in html:
            bad.append(f"{kind}: {text[:160]!r}")
    return bad


def messages(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("warning", "error", "info") for e in getattr(at, kind))


def no_exception(at: AppTest) -> None:
    if at.exception:
        pytest.fail("page raised: " + "; ".join(f"{e.proto.type}: {str(e.message)[:200]}" for e in at.exception))


_headings: dict[str, list[str]] = {}


def seed_headings(page: str) -> list[str]:
    """The section headings (``st.subheader``) the page shows for the seed scenario."""
    if page not in _headings:
        at = start(page=page)
        no_exception(at)
        _headings[page] = [s.value for s in at.subheader]
        assert _headings[page], f"{page} shows no section headings"
    return _headings[page]


def assert_page_survives(at: AppTest, page: str, *, named: str | None = None) -> None:
    """No exception; a message says what cannot be computed; every other section still renders."""
    no_exception(at)
    missing = [h for h in seed_headings(page) if h not in [s.value for s in at.subheader]]
    assert not missing, f"sections not rendered: {missing}"
    assert messages(at), "no message says what could not be computed"
    if named is not None:
        assert named in messages(at), messages(at)


# --------------------------------------------------------------------------- phishing through a share link
@pytest.mark.parametrize(("key", "value"), [
    ("heavy.gpu", PHISH),
    ("heavy.gpu", IMAGE),
    (f"heavy.{PHISH}", "1"),
    (f"heavy.x{IMAGE}", "2"),
], ids=["link-in-value", "image-in-value", "link-in-key", "image-in-key"])
def test_markdown_in_a_link_parameter_is_shown_escaped(adir: Path, key: str, value: str) -> None:
    """Phishing through a share link: ``?heavy.gpu=[verify your account](https://evil.example/login)``
    (or an image, or the same in the key) is listed in the "some link parameters were ignored"
    warning as text, never as a link or image."""
    at = start({key: value})
    no_exception(at)
    assert i18n.t("bad_link", "zh") in messages(at), "the ignored parameter is not reported"
    if key == "heavy.gpu":
        assert "heavy.gpu" in messages(at)
    assert not live_links(at), live_links(at)


def test_markdown_in_an_uploaded_file_name_is_shown_escaped(adir: Path) -> None:
    """Phishing: a rejected upload named ``[click](https://evil.example/x).toml``."""
    at = start(page="scenarios")
    at.file_uploader(key="upload").set_value(("[click](https://evil.example/x).toml", b"[heavy\n",
                                              "application/toml")).run()
    no_exception(at)
    assert "TOML" in messages(at)
    assert not live_links(at), live_links(at)


def test_markdown_in_an_uploaded_scenario_name_is_shown_escaped(adir: Path) -> None:
    """Phishing: an uploaded scenario whose ``name`` is a markdown link."""
    text = SEED_TEXT.replace('name = "Seed FS2024: 8×A100 heavy vs light asset"', f'name = "{PHISH}"')
    assert PHISH in text
    at = start(page="scenarios")
    at.file_uploader(key="upload").set_value(("ok.toml", text.encode(), "application/toml")).run()
    no_exception(at)
    assert at.session_state["scenario"].name == PHISH
    bad = live_links(at)
    at.switch_page("app_pages/overview.py").run()
    no_exception(at)
    assert not bad + live_links(at), bad + live_links(at)


# --------------------------------------------------------------------------- pages that crash on valid-looking input
@pytest.mark.parametrize("params", [
    {"general.horizon_months": "1"},
    {"heavy.price_cny_per_card_hour": "0", "heavy.occupancy": "0"},
], ids=["horizon-1", "price-and-occupancy-0"])
def test_sensitivity_page_survives_degenerate_scenarios(adir: Path, params: dict[str, str]) -> None:
    """Pages that crash: ``?general.horizon_months=1``, or price and occupancy both 0, on the
    sensitivity page."""
    at = start(params, page="sensitivity")
    for path, value in params.items():  # the link was valid: the page really got these inputs
        assert str(at.session_state["scenario"].get(path)) in (value, str(float(value)))
    assert_page_survives(at, "sensitivity")


@pytest.mark.parametrize("tflops", ["1e-310", "1e-322"])
def test_business_models_page_survives_subnormal_tflops(adir: Path, tflops: str) -> None:
    """Pages that crashed: ``?light.tflops_per_card=1e-310`` (a subnormal) on the business-models
    page. Since issue 11 the schema refuses it (at least 0.1 TFLOPS), so the stricter case holds:
    the link value is refused — reported on this page, the second one drawn, naming the field and
    its range — the file's value is kept and every section renders."""
    at = start({"light.tflops_per_card": tflops}, page="models")
    no_exception(at)
    seed = schema.load(adir / "seed_fs2024.toml")
    assert at.session_state["scenario"].light.tflops_per_card == seed.light.tflops_per_card
    assert "light.tflops_per_card" in messages(at)
    assert schema.FIELDS["light.tflops_per_card"].range_text() in messages(at)
    assert [s.value for s in at.subheader] == seed_headings("models")


def test_monte_carlo_with_huge_bounds_is_explained(adir: Path) -> None:
    """Pages that crash: Monte Carlo with huge bounds (heavy.occupancy low -1e308, high 1e308)."""
    at = start(page="sensitivity")
    no_exception(at)
    at.session_state["mc_dists"] = {"edited_rows": {0: {"low": -1e308, "mode": 0.0, "high": 1e308}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert_page_survives(at, "sensitivity", named="heavy.occupancy")


def test_monte_carlo_distribution_outside_the_range_is_explained(adir: Path) -> None:
    """Pages (keep): a distribution entirely outside the field's range is explained in one error."""
    at = start(page="sensitivity")
    at.session_state["mc_dists"] = {"edited_rows": {0: {"low": 1e300, "mode": 1e305, "high": 1e308}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert_page_survives(at, "sensitivity", named="heavy.occupancy")


DEEP_TOML = ("[general]\n[heavy]\n[light]\n[x]\ny = " + "[" * 5_000 + "1" + "]" * 5_000 + "\n").encode()


def test_deeply_nested_toml_upload_is_refused(adir: Path) -> None:
    """Pages that crash: uploading a TOML nested 5,000 levels deep shows the reason; the scenario and
    the rest of the page are unchanged."""
    at = start(page="scenarios")
    before = at.session_state["scenario"]
    headings = [s.value for s in at.subheader]
    at.file_uploader(key="upload").set_value(("deep.toml", DEEP_TOML, "application/toml")).run()
    no_exception(at)
    assert "deep.toml" in messages(at)
    assert at.session_state["scenario"] == before
    assert [s.value for s in at.subheader] == headings and at.dataframe  # the comparison still renders


def test_parse_upload_refuses_deep_nesting() -> None:
    """Pages that crash: ``files.parse_upload("deep.toml", …)`` raises a one-line ScenarioError."""
    try:
        files.parse_upload("deep.toml", DEEP_TOML)
    except (files.FileProblem, schema.ScenarioError) as err:
        assert "\n" not in str(err) and len(str(err)) <= 300, str(err)
    except BaseException as err:  # noqa: BLE001
        pytest.fail(f"escaped: {type(err).__name__}: {str(err)[:200]}")
    else:
        pytest.fail("accepted")
