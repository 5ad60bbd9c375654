"""GPU catalogue and the seed's cloud price table (002:1482-1498)."""

from __future__ import annotations

import pytest

from finmodel.schema import catalog


def test_seed_gpu_figures():
    a100 = catalog.GPUS["A100-40G-NVLink"]
    assert a100.fp16_tflops == 312.0  # 002:1205, 002:1540
    assert a100.int8_tops == 624.0  # 002:1255
    assert catalog.GPUS["H100-SXM"].power_w == 700.0  # 000:303
    assert catalog.GPUS["RTX-4090"].power_w == 450.0  # 000:303
    for g in catalog.GPUS.values():
        assert g.source and g.fp16_tflops > 0 and g.server_power_kw > 0


def test_printed_means_recompute():
    # R11 in seeds.md: every 均值 cell recomputes (hourly ¥/card-h, monthly 万元/server-month)
    prices = catalog.cloud_prices()
    for row in catalog.printed_means().itertuples():
        sub = prices[(prices.gpu == row.gpu) & (prices.billing == row.billing)]
        col = "price_cny_per_card_hour" if row.billing == "hourly" else "price_cny_per_server_month"
        mean = sub[col].mean() / (1 if row.billing == "hourly" else catalog.WAN)
        assert round(mean + 1e-9, 1) == row.mean, (row.gpu, row.billing, mean, row.mean)


def test_a100_mean_is_the_seeds_22_7():
    p = catalog.cloud_prices()
    sub = p[(p.gpu == "A100-40G-NVLink") & (p.billing == "hourly")]
    assert sorted(sub.price_cny_per_card_hour) == [19.3, 26.1]  # 002:1488
    assert sub.price_cny_per_card_hour.mean() == pytest.approx(22.7)  # 002:1518


def test_monthly_prices_converted_per_card_hour():
    p = catalog.cloud_prices()
    row = p[(p.gpu == "A100-40G-NVLink") & (p.vendor == "百度云") & (p.billing == "monthly")].iloc[0]
    assert row.price_cny_per_server_month == 100_000.0  # 10.0万元 (002:1494)
    assert row.price_cny_per_card_hour == pytest.approx(100_000 / (8 * 730))
    assert catalog.ANNUAL_DISCOUNT["百度云"] == 0.83  # 8.3折 (002:1496)


def test_glossary_is_current():
    from pathlib import Path

    from finmodel.model import glossary

    path = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
    hint = "run: python -m finmodel.model.glossary > docs/glossary.md"
    assert path.read_text(encoding="utf-8") == glossary.render(), hint


def test_billing_labels_cover_the_price_table_and_pandas_is_not_needed_to_import():
    import subprocess
    import sys

    assert set(catalog.cloud_prices()["billing"]) == set(catalog.BILLING_LABELS)
    # the module on its own (the package's __init__ imports the engine, which needs pandas anyway)
    code = ("import importlib.util as u, sys; s = u.spec_from_file_location('catalog', sys.argv[1]); "
            "m = sys.modules['catalog'] = u.module_from_spec(s); s.loader.exec_module(m); "
            "print(len(m.GPUS), 'pandas' in sys.modules)")
    args = [sys.executable, "-c", code, catalog.__file__]
    assert subprocess.run(args, capture_output=True, text=True).stdout.split() == [str(len(catalog.GPUS)), "False"]
