"""Income tax with losses carried forward.

With unlimited loss carry-forward, cumulative tax paid equals the rate times the running maximum
of cumulative pre-tax profit (floored at zero); monthly tax is the increase of that amount.
"""

from __future__ import annotations

from finmodel.model.expr import maximum


def income_tax_cny(tax_rate, taxed_base_cny, taxed_base_prev_cny):
    """Tax in a month: rate × increase of the running maximum of cumulative profit. [CNY/month]"""
    return tax_rate * (taxed_base_cny - taxed_base_prev_cny)


def disposal_tax_cny(tax_rate, cumulative_ebt_cny, taxed_base_cny, taxed_base_prev_cny, gain_cny):
    """Tax on a disposal gain in its month: rate × (max(last month's taxed base, cumulative profit +
    gain) − this month's taxed base). A loss (gain < 0) lowers the month's tax only as far as that
    month's own taxable profit allows; no refund of earlier years' tax. [CNY/month]"""
    return tax_rate * (maximum(taxed_base_prev_cny, cumulative_ebt_cny + gain_cny) - taxed_base_cny)
