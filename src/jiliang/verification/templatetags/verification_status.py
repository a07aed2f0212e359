"""The verification sections of the registry's instrument pages, so that the registry's templates
include them without the registry importing this app: {% load verification_status %}."""

from django import template
from django.utils import timezone

from jiliang.accounts.access import may
from jiliang.registry.models import Instrument
from jiliang.ui.templatetags.jiliang_ui import status_tag
from jiliang.verification import public_check, selectors
from jiliang.verification.public_views import check_url
from jiliang.verification.models import VerificationRequest

register = template.Library()


@register.inclusion_tag("verification/public_validity.html")
def public_validity(public_code: str) -> dict:
    """For anyone scanning the label: the current certificate's number, conclusion and validity,
    the number linking to the certificate's public check page."""
    state = selectors.public_state(public_code)
    return {"state": state, "today": timezone.localdate(), "check_url": _check_url(state)}


def _check_url(state) -> str:
    if state is None:
        return ""
    number = state.certificate.number
    return check_url(number, public_check.code_of(number))


@register.inclusion_tag("verification/instrument_verification.html", takes_context=True)
def instrument_verification(context, instrument: Instrument) -> dict:
    """For signed-in users on the instrument page: the standing, the certificates they may read,
    links to the chain and, for its owner, to request verification."""
    user = context["request"].user
    state = selectors.current_state(instrument.pk)
    return {
        "instrument": instrument,
        "state": state,
        "check_url": _check_url(state),
        "certificates": selectors.certificates(user, instrument_id=instrument.pk).order_by("-performed_on", "-id")[:20],
        "may_request": may(user, "create", VerificationRequest(owner_id=instrument.owner_id)),
        "today": timezone.localdate(),
    }


@register.simple_tag
def certificate_status(certificate, day) -> str:
    """An expired certificate reads 已过期, not 有效 (Certificate.status_on), in a tag of its colour."""
    return status_tag(certificate.state_on(day), certificate.status_on(day))
