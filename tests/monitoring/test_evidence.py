"""An alert's evidence as a labelled Chinese table (monitoring/evidence.py) and the chart axes in
Beijing time with a unit (monitoring/charts.py)."""

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from jiliang.monitoring import charts, evidence

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
FD04 = {
    "rulebook_version": "2025.1+33",
    "finding_time": "2026-12-06T05:53:12.136904+00:00",
    "finding_times": [f"2026-12-06T0{n}:00:00+00:00" for n in range(8)],
    "computation": {
        "transaction": {"device_id": "ST0000-D02N2", "volume_l": 21.97, "totaliser_end_l": 704277.2,
                        "fuel_temperature_c": 16.4, "unit_price": 8.0},
        "flow_l_per_min": 61.027777777777764, "qmax": 50.0, "direction": "high", "strange_new_key": 3,
    },
}


def _by_label(rows):
    return {row.label: row for row in rows}


def test_keys_get_chinese_labels_and_units_times_beijing_time_and_codes_words():
    rows = evidence.rows("FD-04", FD04)
    labels = _by_label(rows)
    assert labels["判定时间"].value == "2026-12-06 13:53:12"
    assert labels["历次判定时间"].value == "共 8 次，最早 2026-12-06 08:00:00，最近 2026-12-06 15:00:00"
    assert labels["加油交易"].group and labels["加油量"].depth == 2
    assert (labels["加油量"].value, labels["加油量"].unit) == ("21.97", "L")
    assert (labels["累计数（止）"].value, labels["油温"].unit) == ("704,277.2", "℃")
    assert (labels["单价"].value, labels["单价"].unit) == ("8", "元/L")
    assert (labels["流量"].value, labels["流量"].unit) == ("61.0278", "L/min")
    assert (labels["最大流量"].unit, labels["偏离方向"].value) == ("L/min", "偏高")
    assert labels["strange_new_key"].value == "3", "an unknown key is still shown, under its name"


def test_the_rule_decides_a_unit_that_differs_by_instrument():
    assert _by_label(evidence.rows("MT-05", {"qmax": 3.125}))["最大流量"].unit == "m³/h"


def test_events_and_their_watch_list_are_in_words():
    rows = _by_label(evidence.rows("FD-11", {"computation": {"event": {"code": "seal_broken"},
                                                             "watched_codes": ["seal_broken", "door_open"]}}))
    assert rows["事件"].value == "铅封破坏" and rows["关注的事件"].value == "铅封破坏、机门打开"


json_scalars = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False,
                                                                                     allow_infinity=False) | st.text()
instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                        timezones=st.just(dt.UTC))
documents = st.recursive(st.dictionaries(st.text(min_size=1), json_scalars | st.lists(json_scalars, max_size=3)),
                         lambda inner: st.dictionaries(st.text(min_size=1), inner), max_leaves=20)


def _leaves(document) -> int:
    return sum(_leaves(value) + 1 if isinstance(value, dict) else 1 for value in document.values())


@given(documents)
def test_every_key_of_any_evidence_becomes_one_row(document):
    rows = evidence.rows("XX-01", document)
    assert len(rows) == _leaves(document)
    assert all(row.group or row.value for row in rows)


@given(instants)
def test_every_instant_is_shown_in_beijing_time(moment):
    shown = evidence.rows("FD-12", {"last_seen": moment.isoformat()})[0].value
    assert shown == moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def test_chart_times_are_in_the_given_zone_and_the_unit_is_kept():
    start = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)  # 00:00 of 12-06 in Beijing
    points = [(start + dt.timedelta(hours=n), 1000.0 - n) for n in range(5)]
    chart = charts.line_chart({"实测": ("measured", points)}, tz=BEIJING, y_unit="体积（L）", x_caption="北京时间")
    assert [label for _, label in chart.x_ticks] == ["12-06 00:00", "12-06 01:00", "12-06 02:00", "12-06 03:00",
                                                     "12-06 04:00"]
    assert (chart.y_unit, chart.x_caption) == ("体积（L）", "北京时间")
