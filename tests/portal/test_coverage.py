"""The public standards' coverage per catalogue item (portal/coverage.py), a pure function."""

from hypothesis import given
from hypothesis import strategies as st

from jiliang.portal.coverage import UNCATEGORISED, category_name, coverage

codes = st.sampled_from([f"MI{n:02d}" for n in range(1, 13)])
categories = st.sampled_from(["衡器", "流量计", "体温计", "充电桩 (per https://example.com/1)", "unverified", ""])


@given(st.lists(st.tuples(codes, categories)), st.sets(codes))
def test_each_category_counts_its_distinct_codes_and_the_covered_ones(types, covered):
    rows = coverage(types, covered)
    assert [row.category for row in rows] == list(dict.fromkeys(category_name(category) for _, category in types))
    for row in rows:
        mine = {code for code, category in types if category_name(category) == row.category}
        assert row.total == len(mine) and row.covered == len(mine & covered)
        assert 0 <= row.percent <= 100


def test_nothing_covered_and_all_covered():
    assert coverage([("MI01", "衡器"), ("MI02", "衡器")], set())[0].percent == 0
    assert coverage([("MI01", "衡器"), ("MI02", "衡器")], {"MI01", "MI02", "MI09"})[0].percent == 100


def test_research_notes_and_placeholders_are_not_shown():
    assert category_name("电动汽车充电桩 (per https://www.cncyxny.com/511.html)") == "电动汽车充电桩"
    assert category_name("有毒有害、易燃易爆气体检测(报警)仪") == "有毒有害、易燃易爆气体检测(报警)仪"
    assert category_name("unverified") == category_name("") == UNCATEGORISED
