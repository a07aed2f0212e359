"""The shipped county boundaries and the pure geometry on them; the demo's sites lie in their county."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts import boundaries
from jiliang.accounts.models import Division
from jiliang.registry import synthetic

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                                             [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]}
coordinate = st.floats(-20, 20, allow_nan=False)


@given(coordinate, coordinate)
def test_contains_is_inside_the_outer_ring_and_outside_the_hole(x, y):
    inside_outer = 0 < x < 10 and 0 < y < 10
    in_hole = 4 < x < 6 and 4 < y < 6
    on_an_edge = x in (0, 4, 6, 10) or y in (0, 4, 6, 10)
    if not on_an_edge:
        assert boundaries.contains(SQUARE, x, y) == (inside_outer and not in_hole)


@given(coordinate, coordinate)
def test_a_pulled_point_lies_inside(x, y):
    assert boundaries.contains(SQUARE, *boundaries.pull_inside(SQUARE, (2.0, 2.0), x, y))


@given(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=40), st.floats(0, 2))
def test_simplify_keeps_the_ends_and_a_subset(points, tolerance):
    points = [list(p) for p in points]
    kept = boundaries.simplify(points, tolerance)
    assert kept[0] == points[0] and kept[-1] == points[-1]
    assert all(p in points for p in kept)


def test_the_file_holds_bazhongs_five_counties_each_holding_its_centre():
    collection = boundaries.load()
    assert {f["properties"]["code"]: f["properties"]["name"] for f in collection["features"]} == \
        boundaries.BAZHONG_COUNTIES
    assert boundaries.county_at(collection, 106.77, 31.86) == "511902"  # 巴州区 (the city centre)
    assert boundaries.county_at(collection, 106.83, 32.35) == "511922"  # 南江县
    assert boundaries.county_at(collection, 104.06, 30.67) is None  # 成都


@pytest.mark.django_db
def test_the_demo_sites_lie_in_their_county():
    generator = synthetic.Generator(synthetic.DEMO, scale=0.1)
    divisions = {d.code: d for d in Division.objects.select_related("parent")}
    collection = boundaries.load()
    checked = 0
    for site in generator.sites():
        county = divisions[site.division_code].county.code
        expected = county if county in boundaries.BAZHONG_COUNTIES else "511902"  # the zones lie in 巴州区
        assert boundaries.county_at(collection, float(site.longitude), float(site.latitude)) == expected
        checked += 1
    assert checked > 50
