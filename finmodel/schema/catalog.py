"""GPU presets and the seed's cloud price table, each number with its source.

TFLOPS are dense (no sparsity) tensor-core peaks; "P" in ¥/P/year is 1 PFLOPS = 1,000 TFLOPS at
the precision named. Figures not printed in the seeds are marked ``external`` (vendor datasheet)
or ``assumption``; the seeds give only A100 FP16/INT8 (000:165, 002:1205, 002:1255) and H100 and
RTX 4090 power (000:303).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # pandas is imported by the functions that build tables, not at start-up
    import pandas as pd

#: The precisions a "P" may be stated in (``light.precision``), in the order of the TFLOPS table.
Precision = Literal["FP64", "FP32", "TF32", "FP16", "BF16", "FP8", "INT8"]
PRECISIONS: tuple[str, ...] = get_args(Precision)


@dataclass(frozen=True)
class GPU:
    """One catalogue entry. Compute figures are dense (no sparsity) tensor-core peaks per card;
    ``None`` = the card has no such tensor path (or the datasheet gives none)."""

    key: str
    name: str
    memory_gb: int
    fp16_tflops: float  # dense tensor FP16 peak [TFLOPS]
    int8_tops: float  # dense tensor INT8 peak [TOPS]; 0 = no INT8 tensor cores
    power_w: float  # board power per card [W]
    server_power_kw: float  # typical 8-card server full-load IT power [kW/server]
    source: str
    tf32_tflops: float | None = None  # dense tensor TF32 peak [TFLOPS]
    bf16_tflops: float | None = None  # dense tensor BF16 peak [TFLOPS]
    fp8_tflops: float | None = None  # dense tensor FP8 peak [TFLOPS]

    def dense_tflops(self, precision: str) -> float | None:
        """Dense tensor peak per card at ``precision`` (TOPS for INT8) [TFLOPS/card]; None where the
        catalogue has no figure (FP64 and FP32 are not catalogued: write ``light.tflops_per_card``)."""
        value = {"TF32": self.tf32_tflops, "FP16": self.fp16_tflops, "BF16": self.bf16_tflops,
                 "FP8": self.fp8_tflops, "INT8": self.int8_tops}.get(precision)
        return value if value else None


_DS = "NVIDIA datasheet (external, not in seeds)"
_AMPERE = ("A100 datasheet (external): TF32 156, FP16/BF16 312, INT8 624 dense (312*/624*/1,248* with sparsity); "
           "no FP8")
_HOPPER = ("H100 SXM datasheet (external): TF32 989*, FP16/BF16 1,979*, FP8 3,958*, INT8 3,958* with sparsity, "
           "dense = half (TF32 494.5, FP16/BF16 989, FP8 1,979, INT8 1,979; the Hopper whitepaper's 989.4 rounds "
           "to the 989 quoted in the trade)")
GPUS: dict[str, GPU] = {
    g.key: g
    for g in [
        GPU("A100-40G-NVLink", "NVIDIA A100 40GB SXM (NVLink)", 40, 312.0, 624.0, 400.0, 6.5,
            "FP16 312 TFLOPS and INT8 624 TOPS (002:1205, 002:1255, 002:1540); " + _AMPERE + "; 400 W and DGX A100 "
            "6.5 kW: " + _DS, tf32_tflops=156.0, bf16_tflops=312.0),
        GPU("A100-40G-PCIe", "NVIDIA A100 40GB PCIe", 40, 312.0, 624.0, 250.0, 4.0,
            "FP16/INT8 as A100 (002:1205, 1255); " + _AMPERE + "; 250 W: " + _DS + "; server kW: assumption",
            tf32_tflops=156.0, bf16_tflops=312.0),
        GPU("A100-80G-NVLink", "NVIDIA A100 80GB SXM (NVLink)", 80, 312.0, 624.0, 400.0, 6.5,
            "FP16/INT8 as A100 (002:1205, 1255); " + _AMPERE + "; 400 W, DGX A100 6.5 kW: " + _DS,
            tf32_tflops=156.0, bf16_tflops=312.0),
        GPU("A800-80G", "NVIDIA A800 80GB SXM", 80, 312.0, 624.0, 400.0, 6.5,
            "A100 with reduced interconnect (000:285); compute and power as A100: " + _AMPERE,
            tf32_tflops=156.0, bf16_tflops=312.0),
        GPU("H100-SXM", "NVIDIA H100 80GB SXM", 80, 989.0, 1979.0, 700.0, 10.2,
            "700 W (000:303); " + _HOPPER + "; DGX H100 10.2 kW: " + _DS,
            tf32_tflops=494.5, bf16_tflops=989.0, fp8_tflops=1979.0),
        GPU("H800-SXM", "NVIDIA H800 80GB SXM", 80, 989.0, 1979.0, 700.0, 10.2,
            "H100 with reduced interconnect (000:285); compute and power as H100: " + _HOPPER,
            tf32_tflops=494.5, bf16_tflops=989.0, fp8_tflops=1979.0),
        GPU("H20", "NVIDIA H20 96GB", 96, 148.0, 296.0, 400.0, 5.5,
            "China-market model (000:285); dense TF32 74, FP16/BF16 148, FP8 296, INT8 296 TOPS, 400 W as "
            "widely reported (external); server kW: assumption",
            tf32_tflops=74.0, bf16_tflops=148.0, fp8_tflops=296.0),
        GPU("L20", "NVIDIA L20 48GB", 48, 119.5, 239.0, 275.0, 3.5,
            "China-market model (000:285); dense TF32 59.8, FP16/BF16 119.5, FP8 239, INT8 239 TOPS, 275 W as "
            "widely reported (external); server kW: assumption",
            tf32_tflops=59.8, bf16_tflops=119.5, fp8_tflops=239.0),
        GPU("L40S", "NVIDIA L40S 48GB", 48, 362.0, 733.0, 350.0, 4.0,
            "Production-LLM tier (000:313); L40S datasheet (external): TF32 183, FP16/BF16 362.05, FP8 733, "
            "INT8 733 TOPS dense (366*/733*/1,466* with sparsity), 350 W; server kW: assumption",
            tf32_tflops=183.0, bf16_tflops=362.0, fp8_tflops=733.0),
        GPU("RTX-4090", "NVIDIA GeForce RTX 4090 24GB", 24, 165.2, 660.6, 450.0, 4.5,
            "450 W (000:303); Ada whitepaper (external): dense TF32 82.6, FP16/BF16 165.2 and FP8 330.3 with "
            "FP32 accumulate (twice that with FP16 accumulate), INT8 660.6 TOPS; server kW: assumption",
            tf32_tflops=82.6, bf16_tflops=165.2, fp8_tflops=330.3),
        GPU("V100-32G-NVLink", "NVIDIA V100 32GB SXM2", 32, 125.0, 0.0, 300.0, 3.5,
            "125 TFLOPS FP16 tensor, 300 W, DGX-1 3.5 kW: " + _DS + " (no TF32, BF16, FP8 or INT8 tensor cores)"),
    ]
}
#: The catalogue keys, as a type: ``heavy.gpu`` and ``light.gpu`` are choices over them.
GpuKey = Literal["A100-40G-NVLink", "A100-40G-PCIe", "A100-80G-NVLink", "A800-80G", "H100-SXM", "H800-SXM", "H20",
                 "L20", "L40S", "RTX-4090", "V100-32G-NVLink"]
GPU_KEYS: tuple[str, ...] = tuple(GPUS)
if GPU_KEYS != get_args(GpuKey):  # pragma: no cover - a catalogue edit that forgot the type
    raise RuntimeError(f"catalog.GpuKey {get_args(GpuKey)} does not list the catalogue {GPU_KEYS}")
#: What a GPU field's keys are, (中文, English), for its allowed range in words.
GPU_KEY_TEXT = ("GPU目录中的型号", "a catalogue key")


def gpu_table() -> pd.DataFrame:
    """The catalogue as a table (one row per GPU)."""
    import pandas as pd

    return pd.DataFrame([{f.name: getattr(g, f.name) for f in fields(g)} for g in GPUS.values()]).set_index("key")


# The seed's cloud price table "部分云服务厂商GPU计算型云服务器售价对表（截至2024.8.15）" (002:1482-1498).
# Hourly prices are CNY per card-hour; monthly prices are CNY per 8-card server per month
# (printed in 万元, converted here at 10,000 元 each). None = "-" (no price listed).
VENDORS = ("阿里云", "百度云", "火山引擎", "腾讯云", "天翼云")
VENDORS_EN = {"阿里云": "Alibaba Cloud", "百度云": "Baidu Cloud", "火山引擎": "Volcano Engine",
              "腾讯云": "Tencent Cloud", "天翼云": "Tianyi Cloud"}
_HOURLY = [  # line, GPU key, memory, link, prices per vendor, printed mean
    (1486, "V100-32G-NVLink", "32GB", "NVLink", (19.7, 15.3, None, None, 15.4), 16.8),
    (1487, "A100-40G-PCIe", "40GB", "PCIe", (None, None, None, None, 21.3), 21.3),
    (1488, "A100-40G-NVLink", "40GB", "NVLink", (None, 26.1, None, 19.3, None), 22.7),
    (1489, "A100-80G-NVLink", "80GB", "NVLink", (None, None, 40.4, None, None), 40.4),
]
_MONTHLY = [  # line, GPU key, memory, link, 万元/month/8-card server per vendor, printed mean
    (1492, "V100-32G-NVLink", "32GB", "NVLink", (7.6, 5.5, 5.4, 4.8, 5.9), 5.8),
    (1493, "A100-40G-PCIe", "40GB", "PCIe", (None, None, None, None, 8.2), 8.2),
    (1494, "A100-40G-NVLink", "40GB", "NVLink", (None, 10.0, None, 11.2, None), 10.6),
    (1495, "A100-80G-NVLink", "80GB", "NVLink", (None, 11.6, 17.1, None, None), 14.4),
]
#: "按年订阅折扣" (002:1496): annual price as a fraction of list (8.5折 = 0.85); None = "-".
ANNUAL_DISCOUNT = {"阿里云": 0.85, "百度云": 0.83, "火山引擎": 0.83, "腾讯云": None, "天翼云": 0.85}
WAN = 10_000.0  # CNY per 万元
#: Labels of the ``billing`` column of :func:`cloud_prices`, (中文, English).
BILLING_LABELS: dict[str, tuple[str, str]] = {"hourly": ("按小时", "hourly"), "monthly": ("包月", "monthly")}


def cloud_prices() -> pd.DataFrame:
    """Tidy table of the seed's cloud prices (002:1482-1498).

    Columns: gpu, memory, link, vendor, vendor_en, billing ('hourly'|'monthly'),
    price_cny_per_card_hour (both billings, monthly converted at 8 cards × 730 h),
    price_cny_per_server_month (monthly billing only), annual_discount, source."""
    import pandas as pd

    rows = []
    for billing, table in (("hourly", _HOURLY), ("monthly", _MONTHLY)):
        for line, gpu, mem, link, prices, _mean in table:
            for vendor, price in zip(VENDORS, prices, strict=True):
                if price is None:
                    continue
                if billing == "hourly":
                    per_card_hour, per_server_month = price, None
                else:
                    per_server_month = price * WAN
                    per_card_hour = per_server_month / (8 * 8760 / 12)
                rows.append({
                    "gpu": gpu, "memory": mem, "link": link, "vendor": vendor,
                    "vendor_en": VENDORS_EN[vendor], "billing": billing,
                    "price_cny_per_card_hour": per_card_hour,
                    "price_cny_per_server_month": per_server_month,
                    "annual_discount": ANNUAL_DISCOUNT[vendor], "source": f"002:{line}",
                })
    return pd.DataFrame(rows)


def printed_means() -> pd.DataFrame:
    """The '均值' column as printed (hourly CNY/card-hour; monthly 万元/server-month)."""
    import pandas as pd

    rows = [{"gpu": g, "billing": "hourly", "mean": m, "source": f"002:{ln}"} for ln, g, _, _, _, m in _HOURLY]
    rows += [{"gpu": g, "billing": "monthly", "mean": m, "source": f"002:{ln}"} for ln, g, _, _, _, m in _MONTHLY]
    return pd.DataFrame(rows)
