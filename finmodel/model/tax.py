"""Income tax with losses carried forward.

With unlimited loss carry-forward, cumulative tax paid equals the rate times the running maximum
of cumulative pre-tax profit (floored at zero); monthly tax is the increase of that amount.
"""

from __future__ import annotations


def income_tax_cny(tax_rate, taxed_base_cny, taxed_base_prev_cny):
    """Tax in a month: rate × increase of the running maximum of cumulative profit. [CNY/month]"""
    return tax_rate * (taxed_base_cny - taxed_base_prev_cny)
