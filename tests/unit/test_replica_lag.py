"""How far behind a standby is, from samples of the primary's WAL position
(taizhang.projections.replica): the time since the primary first stood past what the standby
replayed."""

from __future__ import annotations

from taizhang.projections.replica import Lag, lsn


def test_wal_positions_compare_as_numbers() -> None:
    assert lsn("0/16B3748") == 0x16B3748
    assert lsn("1/0") > lsn("0/FFFFFFFF")
    assert lsn(None) == 0


def test_the_lag_is_the_age_of_the_oldest_sample_not_yet_replayed() -> None:
    lag = Lag()
    lag.primary_at(10.0, 100)
    lag.primary_at(11.0, 100)  # the primary stood still: still the sample of 10.0
    lag.primary_at(12.0, 200)
    assert lag.replayed(12.5, 50) == 2.5
    assert lag.replayed(13.0, 100) == 1.0  # 100 replayed: behind only since 12.0
    assert lag.replayed(14.0, 200) == 0.0


def test_an_idle_pair_has_no_lag_however_long_it_stays_idle() -> None:
    lag = Lag()
    lag.primary_at(0.0, 500)
    assert lag.replayed(1.0, 500) == 0.0
    lag.primary_at(3600.0, 500)
    assert lag.replayed(3600.0, 500) == 0.0
