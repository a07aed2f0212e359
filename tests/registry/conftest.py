"""Registry fixtures: sites and instruments made through the services, by a superuser registrar."""

import itertools

import pytest

from jiliang.accounts.models import User
from jiliang.registry import services
from jiliang.registry.models import InstrumentType, Purpose, SiteKind

_serial = itertools.count(1)


@pytest.fixture
def registrar(db):
    return User.objects.create_superuser("registrar", password="unused-Passw0rd!")


@pytest.fixture
def make_site(registrar, division):
    def make(organization, *, name: str | None = None, kind: str = SiteKind.GAS_STATION,
             division_code: str | None = None, **fields):
        return services.create_site(
            registrar, organization=organization, name=name or f"场所{next(_serial)}", kind=kind,
            division=division(division_code or organization.division.code), **fields,
        )

    return make


@pytest.fixture
def make_instrument(registrar, make_site):
    def make(organization=None, *, site=None, type_code: str = "MI06", serial_no: str | None = None,
             manufacturer: str = "正星科技", purpose: str = Purpose.TRADE_SETTLEMENT, **fields):
        site = site or make_site(organization)
        return services.create_instrument(
            registrar, type=InstrumentType.objects.get(code=type_code),
            serial_no=serial_no or f"SN{next(_serial):06d}", manufacturer=manufacturer,
            owner=organization or site.organization, site=site, purpose=purpose, **fields,
        )

    return make
