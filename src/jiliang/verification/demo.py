"""The verification app's part of the demo data set: the city's legal metrology institution."""

from django.db import transaction

from jiliang.accounts import audit
from jiliang.accounts.models import Division
from jiliang.verification.models import Institution

CITY_INSTITUTION = "巴中市计量测试所"


@transaction.atomic
def load(out) -> None:
    institution, created = Institution.objects.get_or_create(
        name=CITY_INSTITUTION, defaults={"division": Division.objects.get(code="511900"), "address": "巴中市巴州区"},
    )
    if created:
        audit.record("demo", "institution.create", institution, after=audit.snapshot(institution),
                     division=institution.division)
    out.write(f"Institutions: {CITY_INSTITUTION} {'created' if created else 'already there'}.")
