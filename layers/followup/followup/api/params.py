"""Dates and times in query strings, held to the years 2000 to 2999.

Outside that range there is nothing to find, and arithmetic near year 1 or 9999 (a
default window of "the 7 days before", a conversion to UTC) would overflow.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

from followup.domain.localtime import IsoDate, IsoTime

FIRST_YEAR, LAST_YEAR = 2000, 2999


def _in_range(value: date) -> date:
    # The year as written: a UTC offset (under a day) cannot move it out of range.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31")
    return value


QueryDate = Annotated[IsoDate, AfterValidator(_in_range)]
QueryTime = Annotated[IsoTime, AfterValidator(_in_range)]
