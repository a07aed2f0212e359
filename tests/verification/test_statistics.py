"""Statistics per county and type on crafted data: each figure, the rates, the period, corrections
counted once, scoping, the API and the page."""

import pytest

from jiliang.accounts.models import Role
from jiliang.verification import services, statistics

from .conftest import days
from .due_testkit import with_state


@pytest.fixture
def crafted(world):
    """巴州区: the world's own instrument (never verified) and five more; 通江县: one overdue."""
    return {
        "overdue": with_state(world, days(-1)),
        "today": with_state(world, days(0)),
        "later": with_state(world, days(100)),
        "failed": with_state(world, failed=True),
        "never": world.make_instrument(),
        "tongjiang": with_state(world, days(-5), county="511921"),
    }


def by_county(result) -> dict[str, statistics.Figures]:
    return {county.code: figures for county, figures in result.counties}


def test_figures_per_county_and_type(world, crafted):
    result = statistics.statistics(world.city)
    bazhou = by_county(result)["511902"]
    assert (bazhou.instruments, bazhou.on_time, bazhou.overdue, bazhou.failed, bazhou.never_verified) == (6, 2, 1, 1, 2)
    assert (bazhou.verifications, bazhou.failures) == (4, 1)
    assert bazhou.verification_rate == pytest.approx(2 / 6)
    assert bazhou.failure_rate == pytest.approx(1 / 4)
    tongjiang = by_county(result)["511921"]
    assert (tongjiang.instruments, tongjiang.overdue, tongjiang.verifications, tongjiang.failures) == (1, 1, 1, 0)
    assert result.total.instruments == 7 and result.total.overdue == 2
    [row] = [r for r in result.rows if r.county.code == "511902"]
    assert row.instrument_type.code == "MI06" and row.figures.instruments == 6


def test_the_period_and_corrections(world, crafted):
    # The certificates are of ten days ago: outside a period that starts five days ago.
    assert by_county(statistics.statistics(world.city, since=days(-5)))["511902"].verifications == 0
    assert by_county(statistics.statistics(world.city, on=days(-11)))["511902"].verifications == 0
    certificate = crafted["today"].certificates.get()
    services.supersede(world.verifier, certificate, services.correction_input(certificate), "更正环境温度")
    assert by_county(statistics.statistics(world.city))["511902"].verifications == 4


def test_no_instruments_no_rates(world):
    empty = statistics.Figures()
    assert empty.verification_rate is None and empty.failure_rate is None
    assert statistics.statistics(world.city, type_code="MI16").rows == []


def test_scoped_and_filtered(world, crafted, make_user):
    tongjiang = make_user(Role.COUNTY_REGULATOR, division="511921")
    assert set(by_county(statistics.statistics(tongjiang))) == {"511921"}
    assert set(by_county(statistics.statistics(world.city, division_code="511921"))) == {"511921"}
    owner_view = statistics.statistics(world.owner)
    assert owner_view.total.instruments == 7  # every instrument above is the world owner's


def test_api(world, crafted, api_client, make_user):
    client = api_client(world.city)
    body = client.get("/api/v1/verification/statistics").json()
    assert body["total"]["instruments"] == 7 and body["total"]["overdue"] == 2
    bazhou = next(c for c in body["counties"] if c["county_code"] == "511902")
    assert bazhou["figures"]["verification_rate"] == pytest.approx(2 / 6)
    assert {r["type_code"] for r in body["rows"]} == {"MI06"}
    assert client.get(f"/api/v1/verification/statistics?on={days(-10)}&since={days(0)}").status_code == 422
    tongjiang = api_client(make_user(Role.COUNTY_REGULATOR, division="511921"))
    assert [c["county_code"] for c in tongjiang.get("/api/v1/verification/statistics").json()["counties"]] == ["511921"]


def test_page(world, crafted, browser_client):
    page = browser_client(world.city).get("/verification/statistics/").content.decode()
    assert "巴州区" in page and "通江县" in page and "33.3%" in page and 'class="bar-fill"' in page
    assert "<script" not in page.split("</head>")[1]
