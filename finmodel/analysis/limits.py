"""How large a sweep or a Monte Carlo run may be, and the words for refusing one.

Sizes are counted in Python integers (never wrapping around like int64) and checked before any
array is built; a refusal names the size, the estimated bytes and the limit.
"""

from __future__ import annotations

import os

#: Most scenarios in one sweep. Its results take ≈ 8 bytes × columns each (~6 GB at 7 columns)
#: and ~10 minutes at ~5 µs a scenario on the project's 2-core reference machine.
MAX_SCENARIOS = 100_000_000
#: Most values on one grid axis (80 MB of float64); a larger grid combines axes.
MAX_AXIS_VALUES = 10_000_000
#: Most Monte Carlo draws in one run (percentiles of 10^8 draws are exact to far beyond any input's
#: precision; the results of each draw are kept for them).
MAX_DRAWS = 100_000_000
#: Most scenarios (or draws) per batch: the line items of a batch take ≈ 40 KB a scenario at 61
#: months, so ≈ 4 GB per worker at this limit (the default batch is 8,192).
MAX_CHUNK = 100_000
#: Share of the available memory a run may plan to fill with results.
MEMORY_SHARE = 0.5
BYTES_PER_VALUE = 8


class TooLarge(ValueError):
    """A run with more scenarios, draws or bytes than can be computed or held. ``size`` and
    ``limit`` are in the unit of the message (scenarios, draws or bytes)."""

    def __init__(self, message: str, size: float, limit: float):
        super().__init__(message)
        self.size, self.limit = size, limit


def count_text(n: int) -> str:
    """A count as a message states it: 1,000,000,000; 1.84e+19 from 21 digits; 10^4000 beyond floats.

    >>> count_text(2**64), count_text(10**4000)
    ('18,446,744,073,709,551,616', '10^4000')
    """
    if n < 10**27:
        return f"{n:,}"
    return f"{float(n):.3g}" if n < 10**300 else f"10^{len(str(n)) - 1}"


def bytes_text(n: float) -> str:
    """A size in bytes as a message states it.

    >>> bytes_text(4.0e10), bytes_text(1.5e21)
    ('40.0 GB', '1.5e+21 bytes')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}" if n < 1e6 * size else f"{n:.2g} bytes"
    return f"{n:,.0f} bytes"


def available_memory_bytes() -> int:
    """Memory this process can still use: the kernel's ``MemAvailable`` (Linux; else physical
    memory), capped by an address-space limit (``ulimit -v``) when one is set."""
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            avail = next((int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:")), None)
    except (OSError, ValueError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
            avail = 4 * 2**30
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            avail = min(avail, soft)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        pass
    return int(avail)


def check_in_memory(nbytes: float, what: str, instead: str) -> None:
    """Refuse to plan ``nbytes`` of results in memory when that is more than
    :data:`MEMORY_SHARE` of the available memory; the message names ``what`` (e.g. "the results of
    2,000,000 scenarios"), the estimate, the limit and what to do ``instead``."""
    limit = MEMORY_SHARE * available_memory_bytes()
    if nbytes > limit:
        raise TooLarge(f"{what} would take ≈ {bytes_text(nbytes)} in memory; allowed here: ≤ {bytes_text(limit)} "
                       f"(half the available memory); {instead}", nbytes, limit)
