"""The demo login of the city institution (created by accounts.demo, which runs after
verification.demo) gets the qualifications of the city's verifiers, so that it can record
verifications in the demo."""

from django.db import transaction

from jiliang.accounts.models import User
from jiliang.verification.demo import CITY_INSTITUTION, record_batch
from jiliang.verification.models import Qualification

LOGIN = "institution"


@transaction.atomic
def load(out) -> None:
    login = User.objects.filter(username=LOGIN, institution__name=CITY_INSTITUTION).first()
    if login is None or Qualification.objects.filter(user=login).exists():
        return
    model = User.objects.filter(institution__name=CITY_INSTITUTION).exclude(pk=login.pk).order_by("username").first()
    rows = [Qualification(user=login, instrument_type_id=q.instrument_type_id, kind=q.kind, certificate_no=q.certificate_no,
                          valid_from=q.valid_from, valid_until=q.valid_until)
            for q in Qualification.objects.filter(user=model)]
    Qualification.objects.bulk_create(rows)
    record_batch(Qualification, rows, "{0.certificate_no}")
    out.write(f"Verification: the '{LOGIN}' login holds {len(rows)} qualifications of {CITY_INSTITUTION}.")
