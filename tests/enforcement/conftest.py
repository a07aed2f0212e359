"""Enforcement fixtures: a station with an instrument, and builders for complaints and cases."""

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.utils import timezone

from jiliang.accounts.models import User
from jiliang.enforcement import services
from jiliang.registry import services as registry_services
from jiliang.registry.models import InstrumentType, SiteKind

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cleared after too: a deadline edit kept in the cache must not outlive its test's rolled-back row.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registrar(db):
    return User.objects.create_superuser("registrar", password="unused-Passw0rd!")


@pytest.fixture
def station(registrar, make_organization, division):
    """A gas station in 巴州区 with one fuel dispenser."""
    organization = make_organization("511902", name="巴州测试加油站有限公司")
    site = registry_services.create_site(registrar, organization=organization, name=f"测试加油站{next(_serial)}",
                                         kind=SiteKind.GAS_STATION, division=division("511902"), address="巴州区江北大道1号")
    instrument = registry_services.create_instrument(
        registrar, type=InstrumentType.objects.get(code="MI06"), serial_no=f"SN{next(_serial):06d}",
        manufacturer="正星科技", owner=organization, site=site)
    return site, instrument


@pytest.fixture
def submit(station):
    site, _instrument = station

    def make(**fields):
        values = {"subject": "short_weight", "description": "加油机少加了油", "occurred_on": timezone.localdate(),
                  "site": site} | fields
        return services.submit_complaint(**values)

    return make


@pytest.fixture
def open_case_for(station, bazhou_regulator):
    site, instrument = station

    def make(actor=None, **fields):
        values = {"source_type": "manual", "organization": site.organization, "site": site, "instrument": instrument,
                  "title": "使用未经检定的加油机", "discovered_on": timezone.localdate() - datetime.timedelta(days=3)}
        return services.open_case(actor or bazhou_regulator, **(values | fields))

    return make
