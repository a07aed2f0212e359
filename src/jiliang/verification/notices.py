"""What the owner is told as its requests and instruments move through verification: a request
accepted or refused, a certificate issued, an instrument failed. Each is sent to every active person
of the owner organization through the configured notifiers (in-app inbox, log, e-mail), in the
transaction of the write that caused it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.notifications.notifiers import platform_language
from jiliang.notifications.services import tell_organization
from jiliang.verification.models import Certificate, CertificateKind, VerificationRequest

REQUEST_ACCEPTED = "verification.request_accepted"
REQUEST_REJECTED = "verification.request_rejected"
CERTIFICATE_ISSUED = "verification.certificate_issued"
FAILED = "verification.failed"


@platform_language()
def request_accepted(request: VerificationRequest) -> None:
    body = _("%(institution)s 已受理您的报检申请 #%(id)s，安排于 %(date)s 检定。") % {
        "institution": request.institution.name, "id": request.pk, "date": request.scheduled_for}
    if request.response:
        body += _("机构答复：%(response)s") % {"response": request.response}
    tell_organization(request.owner_id, topic=REQUEST_ACCEPTED,
                      title=_("报检申请 #%(id)s 已受理") % {"id": request.pk}, body=body,
                      url=reverse("verification:request-detail", args=[request.pk]))


@platform_language()
def request_rejected(request: VerificationRequest) -> None:
    tell_organization(
        request.owner_id, topic=REQUEST_REJECTED, title=_("报检申请 #%(id)s 不予受理") % {"id": request.pk},
        body=_("%(institution)s 不予受理您的报检申请 #%(id)s。原因：%(response)s") % {
            "institution": request.institution.name, "id": request.pk, "response": request.response},
        url=reverse("verification:request-detail", args=[request.pk]))


@platform_language()
def certificate_issued(certificate: Certificate) -> None:
    """A failure notice tells the owner to stop using the instrument; any other certificate that it is issued."""
    instrument = certificate.instrument
    what = {"type": certificate.instrument_type.name_zh, "serial": instrument.serial_no,
            "code": instrument.public_code, "no": certificate.number, "institution": certificate.institution.name,
            "on": certificate.performed_on, "until": certificate.valid_until or _("长期")}
    if certificate.kind == CertificateKind.FAILURE_NOTICE:
        topic = FAILED
        title = _("器具检定不合格：%(type)s %(serial)s") % what
        body = _("%(institution)s 于 %(on)s 检定您的%(type)s(出厂编号 %(serial)s，公开码 %(code)s)不合格，"
                 "出具检定结果通知书 %(no)s。请立即停止使用，修理后重新报检。") % what
    else:
        topic = CERTIFICATE_ISSUED
        title = _("证书 %(no)s 已签发") % what
        body = _("%(institution)s 于 %(on)s 检定您的%(type)s(出厂编号 %(serial)s，公开码 %(code)s)，"
                 "签发%(kind)s %(no)s，有效期至 %(until)s。") % (what | {"kind": certificate.get_kind_display()})
    tell_organization(certificate.owner_id, topic=topic, title=title, body=body,
                      url=reverse("verification:certificate-detail", args=[certificate.pk]))
