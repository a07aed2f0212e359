"""The credit events a case or an honest-metrology step creates (``jiliang.credit``, the supervision
issue's credit app). Until that app is installed the events are not recorded (and say so in the
log), so that enforcement works on its own."""

import logging

from django.apps import apps

logger = logging.getLogger("jiliang.enforcement")


def record(actor, *, organization, kind: str, occurred_on, source_type: str, source_id, summary: str):
    if not apps.is_installed("jiliang.credit"):
        logger.info("credit app not installed: %s event for organization %s not recorded", kind, organization.pk)
        return None
    from jiliang.credit.services import record_credit_event

    return record_credit_event(actor, organization=organization, kind=kind, occurred_on=occurred_on,
                               source_type=source_type, source_id=str(source_id), summary=summary)
