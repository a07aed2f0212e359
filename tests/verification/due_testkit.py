"""Crafting instruments with a given standing for the due, statistics and reminder tests: a real
certificate through the services, then the state's ``valid_until`` moved to the boundary under test."""

import datetime

from jiliang.registry.models import Instrument, InstrumentStatus
from jiliang.verification.models import VerificationState

from .conftest import days, point


def with_state(world, valid_until: datetime.date | None = None, *, county: str = "511902", organization=None,
               failed: bool = False, performed_on: datetime.date | None = None) -> Instrument:
    """An MI06 instrument with a certificate; ``valid_until`` set as given (a failure notice when
    ``failed``: its state has no validity)."""
    instrument = world.make_instrument(organization, county=county)
    overrides = {"instrument": instrument, "performed_on": performed_on or days(-10)}
    if failed:
        overrides["points"] = (point(world.rule(), "20.000", "20.200"),)
    world.record(**overrides)
    if not failed:
        VerificationState.objects.filter(instrument=instrument).update(valid_until=valid_until)
    return instrument


def set_status(instrument: Instrument, status: str = InstrumentStatus.OUT_OF_SERVICE) -> None:
    Instrument.objects.filter(pk=instrument.pk).update(status=status)
