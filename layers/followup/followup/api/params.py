"""Dates and times in query strings, held to the years a date may fall in
(`localtime.FIRST_YEAR` to `LAST_YEAR`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from followup.domain.localtime import IsoDate, IsoTime, in_years

QueryDate = Annotated[IsoDate, AfterValidator(in_years)]
QueryTime = Annotated[IsoTime, AfterValidator(in_years)]
