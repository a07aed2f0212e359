"""Home-page cards of the verification workflow: an institution's own queue, an owner's open requests."""

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.ui.home import KPI, PENDING_WORK, home_card
from jiliang.verification import due, selectors
from jiliang.verification.models import RequestStatus

STANDARD_DUE_DAYS = 30


def _institution_staff(user) -> bool:
    return user.role == Role.INSTITUTION_STAFF and bool(user.institution_id)


def _request_queue(title: str, count: int, status: str) -> dict:
    return {"title": title, "value": count, "url_name": "verification:request-list", "query": f"status={status}",
            "kind": PENDING_WORK, "icon": "clipboard-list"}


@home_card
def requests_to_accept(user) -> dict | None:
    if not _institution_staff(user):
        return None
    count = selectors.requests(user, status=RequestStatus.SUBMITTED).count()
    return _request_queue(_("待受理报检"), count, RequestStatus.SUBMITTED)


@home_card
def accepted_without_record(user) -> dict | None:
    if not _institution_staff(user):
        return None
    return _request_queue(_("已受理待出检定记录"), selectors.accepted_without_record(user).count(), RequestStatus.ACCEPTED)


@home_card
def standards_due(user) -> dict | None:
    if not _institution_staff(user):
        return None
    count = selectors.standards_due_for_calibration(user, user.institution_id, due.today(), STANDARD_DUE_DAYS).count()
    return {"title": _("%(days)d 天内需校准的计量标准") % {"days": STANDARD_DUE_DAYS}, "value": count,
            "url_name": "verification:standard-list", "kind": PENDING_WORK, "icon": "ruler-measure"}


@home_card
def certificates_this_month(user) -> dict | None:
    if not _institution_staff(user):
        return None
    first = due.today().replace(day=1)
    # The year (the certificate serial's, = the issue year) lets the (institution, year, serial) index narrow it.
    count = selectors.certificates(user).filter(year=first.year, issued_on__gte=first).count()
    return {"title": _("本月出具证书"), "value": count, "url_name": "verification:certificate-list", "kind": KPI,
            "icon": "certificate"}


@home_card
def open_requests(user) -> dict | None:
    if user.role != Role.OWNER:
        return None
    count = selectors.requests(user).filter(status__in=(RequestStatus.SUBMITTED, RequestStatus.ACCEPTED)).count()
    return {"title": _("办理中的报检"), "value": count, "url_name": "verification:request-list", "kind": PENDING_WORK,
            "icon": "clipboard-list"}
