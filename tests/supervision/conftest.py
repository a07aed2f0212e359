"""Fixtures of the supervision tests: businesses with sites in Bazhou district, a pool of inspectors,
a plan, and the log sealed so that a committed draw can be made."""

import datetime as dt
import itertools

import pytest

from jiliang.accounts.models import Role
from jiliang.ledger import services as ledger
from jiliang.registry.models import Site, SiteKind
from jiliang.supervision import services

_codes = itertools.count(1)
TODAY = dt.date.today()


@pytest.fixture
def make_business(make_organization):
    def make(county_code: str = "511902", kind: str = SiteKind.GAS_STATION) -> Site:
        organization = make_organization(county_code)
        return Site.objects.create(organization=organization, name=f"场所{next(_codes)}", kind=kind,
                                   division=organization.division)

    return make


@pytest.fixture
def businesses(make_business):
    return [make_business() for _ in range(8)] + [make_business(kind=SiteKind.MARKET) for _ in range(4)]


@pytest.fixture
def inspectors(make_user):
    return [make_user(Role.COUNTY_REGULATOR, division="511902", display_name=f"检查员{i}") for i in range(4)]


@pytest.fixture
def make_plan(bazhou_regulator, division, inspectors, businesses):
    def make(**fields):
        values = dict(name="2026年加油站计量专项抽查", division=division("511902"), starts_on=TODAY,
                      ends_on=TODAY + dt.timedelta(days=60), inspectors=inspectors,
                      site_kinds=[SiteKind.GAS_STATION], draw_count=3)
        values.update(fields)
        return services.create_plan(bazhou_regulator, **values)

    return make


@pytest.fixture
def drawn_plan(make_plan, bazhou_regulator):
    plan = make_plan()
    services.commit_draw(bazhou_regulator, plan)
    ledger.publish_now()
    services.perform_draw(bazhou_regulator, plan)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def make_alert(city_regulator):
    """An open alert of a device at ``site`` (the monitoring rules are not what is tested here)."""
    from django.utils import timezone

    from jiliang.monitoring import services as monitoring
    from jiliang.monitoring.models import Alert, Severity

    def make(site):
        device = monitoring.register_device(city_regulator, code=f"dev-sup-{next(_codes)}", kind="meter", site=site)
        now = timezone.now()
        return Alert.objects.create(rule_code="FD-01", severity=Severity.CRITICAL, device=device, site=site,
                                    division=site.division, message="加油机计量异常", opened_at=now,
                                    last_seen_at=now)

    return make
