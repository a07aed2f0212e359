"""monitoring.sql's own conversion of datetimes for SQLite gives what Django's backend stores."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection

from jiliang.monitoring import sql

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 10, 7, 8, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 7, 8, 15, 30, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 1, 0, 0, 0, 1, tzinfo=SHANGHAI),
    dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(2026, 3, 1, 12, 0),
])
@pytest.mark.django_db
def test_sqlite_datetime_text_is_djangos(value):
    if sql.is_postgres():
        pytest.skip("the conversion is SQLite's")
    assert sql.param(value) == connection.ops.adapt_datetimefield_value(value)
    assert sql.list_param([value, 1]) == f'["{connection.ops.adapt_datetimefield_value(value)}", 1]'
