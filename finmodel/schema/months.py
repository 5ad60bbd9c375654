"""Calendar months as inputs: the ``month`` kind of the field toolkit (``general.start_date``).

A month is written ``'YYYY-MM'`` in files, forms and messages and held as a :class:`Month`, an
``int`` whose value is the **month number** ``12 × year + (month − 1)`` (2025-04 is 24,303). The
number is what the engine computes with (``schema.to_params`` gives it as a float; one month later is
one more) and what the workbook's input cell holds, so the calendar rows are plain arithmetic in both
backends. A file may also write the number itself, or a TOML date (its month is taken).

>>> m = Month.parse("2025-04")
>>> int(m), m.year, m.month, str(m)
(24303, 2025, 4, '2025-04')
>>> Month.of(2025, 12) + 1 == Month.parse("2026-01")
True
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["Month", "MONTHS_PER_YEAR"]

MONTHS_PER_YEAR = 12
_TEXT = re.compile(r"(\d{4})-(\d{2})")


class Month(int):
    """A calendar month, as its month number ``12 × year + (month − 1)``; ``str`` gives ``'YYYY-MM'``.

    Allowed: :data:`MIN` to :data:`MAX` (1990-01 to 2100-12)."""

    MIN: Month
    MAX: Month

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        """The month ``month`` (1-12) of ``year``."""
        if not 1 <= month <= MONTHS_PER_YEAR:
            raise ValueError(f"month {month} is not 1-12")
        return cls(MONTHS_PER_YEAR * year + month - 1)

    @classmethod
    def parse(cls, text: str) -> Month:
        """``'YYYY-MM'`` → Month; ``ValueError`` saying why for anything else (``'2025-4'``,
        ``'2025-13'``)."""
        found = _TEXT.fullmatch(text)
        if found is None:
            raise ValueError("not written YYYY-MM")
        return cls.of(int(found.group(1)), int(found.group(2)))

    @classmethod
    def current(cls) -> Month:
        """This month, by the machine's local date (the default of ``general.start_date``)."""
        today = dt.date.today()
        return cls.of(today.year, today.month)

    @property
    def year(self) -> int:
        return int(self) // MONTHS_PER_YEAR

    @property
    def month(self) -> int:
        """1 (January) to 12."""
        return int(self) % MONTHS_PER_YEAR + 1

    def plus(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        return Month(int(self) + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __repr__(self) -> str:
        return f"Month('{self}')"

    @classmethod
    def validate(cls, value: Any) -> Month:
        """What a field of this kind accepts: a Month, ``'YYYY-MM'`` text, the month number (a whole
        number, as the workbook stores it) or a date (its month); within :data:`MIN`..:data:`MAX`."""
        if isinstance(value, Month):
            month = value
        elif isinstance(value, str):
            try:
                month = cls.parse(value)
            except ValueError as err:
                raise PydanticCustomError("not_a_month", "{why}", {"why": str(err)}) from None
        elif isinstance(value, dt.date):  # a TOML date, a datetime
            month = cls.of(value.year, value.month)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if not (math.isfinite(value) and float(value).is_integer()):
                raise PydanticCustomError("not_a_month", "a month number must be a whole number")
            month = cls(int(value))
        else:
            raise PydanticCustomError("not_a_month", "wrong type ({kind})", {"kind": type(value).__name__})
        if not cls.MIN <= month <= cls.MAX:
            raise PydanticCustomError("out_of_range", "out of range")
        return month

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # Python dumps keep the Month (an int: the engine's and the workbook's number); JSON (and
        # the TOML writer, which dumps in JSON mode) writes 'YYYY-MM'.
        return core_schema.no_info_plain_validator_function(
            cls.validate, serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"))


Month.MIN = Month.of(1990, 1)
Month.MAX = Month.of(2100, 12)
