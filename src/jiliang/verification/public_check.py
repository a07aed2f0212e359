"""The public certificate check (/check/, /api/v1/public/certificate-check): no sign-in.

Anyone with a certificate number and its check code (check_codes.py, printed on the certificate and
in its QR code) sees its state (valid, superseded, revoked, expired), what was certified, and the
transparency log entry that the page's script proves against the log's latest checkpoint.

A wrong code and an unknown number give the same answer (``None``), so the check is no oracle for
which numbers exist; wrong answers are counted per client address and refused for a while after
``JILIANG_PUBLIC_CHECK_LIMIT`` of them (``CheckThrottled``), in the Django cache.
"""

import dataclasses
import datetime
import functools

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.accounts.masking import mask_owner_name
from jiliang.ledger import selectors as ledger
from jiliang.ledger.receipt import Receipt
from jiliang.verification import check_codes
from jiliang.verification.models import Certificate, CertificateKind, CertificateStatus
from jiliang.verification.services import LEDGER_KIND

MAX_NUMBER_LENGTH = 40


class CheckThrottled(Exception):
    """Too many wrong answers from one client address; ``minutes`` until it may try again."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class State:
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"
    FAILED = "failed"  # a notice of failure: genuine, but it never allowed the instrument's use


STATE_LABELS = {
    State.VALID: _("有效"),
    State.SUPERSEDED: _("已被更正证书替代"),
    State.REVOKED: _("已撤销"),
    State.EXPIRED: _("已过期"),
    State.FAILED: _("检定不合格(结果通知书)"),
}


@dataclasses.dataclass(frozen=True)
class PublicCertificate:
    """What the public may read of a certificate: nothing personal (an individual owner is masked)."""

    number: str
    state: str
    state_label: str
    kind: str
    institution: str
    instrument_type: str
    instrument_public_code: str
    owner: str
    conclusion: str
    performed_on: datetime.date
    issued_on: datetime.date
    valid_until: datetime.date | None
    superseded_by: str | None  # the correcting certificate's number
    superseded_by_code: str | None  # and its check code, for the link
    revocation_reason: str
    record_id: str  # the certificate's id as its log entries name it
    log_index: int | None  # its latest entry on the transparency log, once integrated


def secret() -> bytes:
    return (settings.JILIANG_CHECK_CODE_SECRET or settings.SECRET_KEY).encode()


def code_of(number: str) -> str:
    """The check code printed on certificate ``number``."""
    return check_codes.check_code(secret(), number)


def state_of(certificate: Certificate, day: datetime.date) -> str:
    return _state(certificate.status, certificate.kind, certificate.valid_until, day)


def _state(status: str, kind: str, valid_until: datetime.date | None, day: datetime.date) -> str:
    if status == CertificateStatus.SUPERSEDED:
        return State.SUPERSEDED
    if status == CertificateStatus.REVOKED:
        return State.REVOKED
    if kind == CertificateKind.FAILURE_NOTICE:
        return State.FAILED
    if valid_until is not None and valid_until < day:
        return State.EXPIRED
    return State.VALID


@dataclasses.dataclass(frozen=True)
class Match:
    """A certificate found by number and code, read no further than what its public page's version
    depends on: a revocation or supersession changes the state, a new log entry the index."""

    pk: int
    state: str
    log_index: int | None

    def version(self) -> str:
        return f"{self.pk}:{self.state}:{self.log_index}"


def find(number: str, code: str, client: str) -> Match | None:
    """The certificate ``number`` if ``code`` is its check code, else None (whether or not the
    number exists); raises CheckThrottled while ``client`` has used up its wrong answers."""
    match = look_up(number, code, client)
    if match is None:
        count_wrong(client)
    return match


def look_up(number: str, code: str, client: str) -> Match | None:
    """``find`` without counting a wrong answer: for a caller that hands a miss on to ``find``."""
    refuse_if_throttled(client)
    found = _matching(number.strip(), code)
    if found is None:
        return None
    pk, status, kind, valid_until, log_index = found
    return Match(pk, _state(status, kind, valid_until, timezone.localdate()), log_index)


def check(number: str, code: str, client: str) -> PublicCertificate | None:
    """What the public reads of the certificate ``find`` finds."""
    match = find(number, code, client)
    return public_of(match) if match else None


def public_of(match: Match) -> PublicCertificate:
    return public(Certificate.objects.select_related(
        "instrument", "instrument_type", "verification").get(pk=match.pk), match)


def _matching(number: str, code: str) -> tuple | None:
    """(id, status, kind, valid_until, latest log index) of the certificate, or None."""
    if not number or len(number) > MAX_NUMBER_LENGTH:
        return None
    matches = check_codes.matches(secret(), number, code)  # computed whether or not the number exists
    if not matches:
        return None
    sql, params = _statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [{_NUMBER: number, _UPPER: number.upper()}.get(p, p) for p in params])
        found = cursor.fetchone()
    if found is None:
        return None
    pk, status, kind, valid_until, log_index = found
    return pk, status, kind, _VALID_UNTIL.to_python(valid_until), log_index  # SQLite gives the date as text


# Stand-ins for the number as typed and in capitals in the compiled statement.
_NUMBER, _UPPER = "\0number", "\0upper"
_VALID_UNTIL = Certificate._meta.get_field("valid_until")


@functools.cache
def _statement(vendor: str) -> tuple[str, tuple]:
    """The look-up's SQL and parameters for ``vendor``, compiled by the ORM once per process: it is the
    check's only query on every request, and compiling it each time cost five times as much CPU as
    running it. Numbers carry the institution's prefix, so one row in practice; no ORDER BY, no
    join: only the fields the state depends on, and the latest log index in the same statement."""
    query = Certificate.objects.filter(number__in=[_NUMBER, _UPPER]).order_by().annotate(
        latest_log_index=ledger.latest_index_subquery(LEDGER_KIND, Cast(OuterRef("pk"), CharField()))).values_list(
        "id", "status", "kind", "valid_until", "latest_log_index")[:1]
    return query.query.sql_with_params()


def public(certificate: Certificate, match: Match | None = None) -> PublicCertificate:
    """What the public reads of ``certificate``; its state and log index as ``match`` found them, if given."""
    state = match.state if match else state_of(certificate, timezone.localdate())
    successor = (Certificate.objects.filter(supersedes=certificate).only("number").first()
                 if state == State.SUPERSEDED else None)
    return PublicCertificate(
        number=certificate.number,
        state=state,
        state_label=str(STATE_LABELS[state]),
        kind=certificate.get_kind_display(),
        institution=certificate.institution_name,
        instrument_type=certificate.instrument_type.name_zh,
        instrument_public_code=certificate.instrument.public_code,
        owner=mask_owner_name(certificate.owner_name, certificate.owner_uscc),
        conclusion=certificate.verification.get_conclusion_display(),
        performed_on=certificate.performed_on,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        superseded_by=successor.number if successor else None,
        superseded_by_code=code_of(successor.number) if successor else None,
        revocation_reason=certificate.revocation_reason if state == State.REVOKED else "",
        record_id=str(certificate.pk),
        log_index=match.log_index if match else ledger.latest_index_of(LEDGER_KIND, str(certificate.pk)),
    )


def receipt(certificate: PublicCertificate) -> Receipt | None:
    """The certificate's latest log entry as a tlog-proof receipt against the published checkpoint,
    carrying the entry bytes in its ``extra`` line so that ``jiliang log verify-receipt`` needs
    nothing else; None while the entry is not yet covered by a published checkpoint."""
    if certificate.log_index is None:
        return None
    try:
        proof = ledger.receipt(certificate.log_index)
        entry = ledger.entry_at(certificate.log_index)
    except ledger.NotInLogError:
        return None
    return dataclasses.replace(proof, extra=entry)


# --- Throttling wrong answers -------------------------------------------------------------------


def _key(client: str) -> str:
    return f"jiliang:public-check:wrong:{client}"


def refuse_if_throttled(client: str) -> None:
    if cache.get(_key(client), 0) >= settings.JILIANG_PUBLIC_CHECK_LIMIT:
        raise CheckThrottled(settings.JILIANG_PUBLIC_CHECK_WINDOW_MINUTES)


def count_wrong(client: str) -> None:
    """One more wrong answer; the window starts at the first one, so guessing on does not extend it."""
    key = _key(client)
    if not cache.add(key, 1, settings.JILIANG_PUBLIC_CHECK_WINDOW_MINUTES * 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, settings.JILIANG_PUBLIC_CHECK_WINDOW_MINUTES * 60)
