"""The tables' timestamps: fixed width, read back as written, sorted as text in time order,
whatever the year."""

from __future__ import annotations

from datetime import UTC, datetime

from followup.adapters.tables import stamp, unstamp

MOMENTS = [
    datetime(1, 3, 2, 13, 6, 28, tzinfo=UTC),
    datetime(999, 12, 31, tzinfo=UTC),
    datetime(2026, 12, 1, 2, 0, 0, 123456, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
]


def test_every_year_reads_back_and_sorts_in_time_order() -> None:
    written = [stamp(moment) for moment in MOMENTS]
    assert [unstamp(text) for text in written] == MOMENTS
    assert sorted(written) == written
    assert len({len(text) for text in written}) == 1


def test_a_short_year_written_before_years_kept_four_digits_reads_back() -> None:
    assert unstamp("1-03-02T13:06:28.000000Z") == MOMENTS[0]
