"""The enforcement part of the Bazhong demo data set (idempotent: skipped when complaints exist):
complaints in every state, cases at every stage with three through to publication, self-commitments
and model units (nominated and published), all written through the services."""

import datetime
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiliang.accounts.demo import DEMO_PASSWORD
from jiliang.accounts.models import Role, User
from jiliang.accounts import services as account_services
from jiliang.enforcement import services
from jiliang.enforcement.models import CaseStage, Complaint, ComplaintState
from jiliang.registry.demo import DEMO_ORGANIZATIONS
from jiliang.registry.models import Instrument, Organization, Site

EVIDENCE = b"%PDF-1.4\n% demo evidence: on-site inspection record\n"
IDENTITY = {"name": "张先生", "phone": "13900000000"}


def _site(name: str) -> Site:
    return Site.objects.filter(organization__name=name).order_by("pk").first()


def _complaint(site, subject, text, state_path, officer, **extra):
    complaint, _code = services.submit_complaint(subject=subject, description=text, site=site,
                                                 occurred_on=timezone.localdate() - datetime.timedelta(days=2), **extra)
    for state, note in state_path:
        services.transition_complaint(officer, complaint, state, note=note)
    return complaint


def _through(officer, case, stages):
    for stage in stages:
        services.advance_case(officer, case, stage, hearing_requested=True if stage == CaseStage.HEARING else None)


def _owner(organization: Organization, username: str) -> User:
    user = User.objects.filter(username=username).first()
    return user or account_services.create_user(None, username=username, password=DEMO_PASSWORD, role=Role.OWNER,
                                                display_name=f"{organization.name}负责人", organization=organization)


def _complaints(bazhou, tongjiang, jiangbei, market, nuojiang):
    accepted = (ComplaintState.ACCEPTED, "")
    _complaint(jiangbei, "short_weight", "加满油后发现油量明显不足。", [], bazhou, identity_fields=IDENTITY)
    _complaint(market, "cheating", "摊位电子秤称重比复秤多出二两。", [accepted], bazhou)
    _complaint(market, "other", "市场公平秤无人值守。", [(ComplaintState.REJECTED, "经核实不属于计量违法行为，已转市场管理方。")], bazhou)
    _complaint(market, "cheating", "同一摊位电子秤作弊，再次反映。", [], bazhou)  # a duplicate of the second
    _complaint(nuojiang, "unverified", "加油机检定标志已过期。", [accepted, (ComplaintState.REPLIED,
               "经现场核查，加油机已于上周重新检定合格，检定证书在有效期内。")], tongjiang)
    return [_complaint(jiangbei, "seal_broken", "加油机铅封有撬动痕迹。", [accepted], bazhou, identity_fields=IDENTITY),
            _complaint(nuojiang, "fake_certificate", "墙上张贴的检定证书编号查不到。", [accepted], tongjiang)]


def _cases(bazhou, tongjiang, city, referred, jiangbei, nuojiang):
    seal, certificate = referred
    instrument = Instrument.objects.filter(site=jiangbei).order_by("pk").first()
    case = services.open_case(bazhou, source_type="complaint", source_id=seal.pk, organization=jiangbei.organization,
                              site=jiangbei, instrument=instrument, title="加油机铅封破坏",
                              discovered_on=timezone.localdate())
    services.add_evidence(bazhou, case, name="现场检查笔录", data=EVIDENCE)
    _through(bazhou, case, [CaseStage.INVESTIGATING, CaseStage.NOTIFIED])
    services.decide(bazhou, case, basis="inaccurate_use", facts="当事人加油机铅封被破坏，计量准确度无法保证。",
                    fine_amount=Decimal("1500"), seal_broken=True)
    services.publish(bazhou, case)
    services.decide_reward(bazhou, Complaint.objects.get(pk=seal.pk), amount=Decimal("300"), note="举报属实，依规奖励")
    _through(bazhou, case, [CaseStage.ENFORCING, CaseStage.CLOSED])

    forged = services.open_case(tongjiang, source_type="complaint", source_id=certificate.pk,
                                organization=nuojiang.organization, site=nuojiang, title="张贴伪造的检定证书",
                                discovered_on=timezone.localdate())
    _through(tongjiang, forged, [CaseStage.INVESTIGATING, CaseStage.NOTIFIED, CaseStage.HEARING])
    services.decide(tongjiang, forged, basis="forged_seal", facts="当事人张贴的检定证书系伪造。", confiscation=True,
                    fine_amount=Decimal("2000"))
    services.publish(tongjiang, forged)
    _through(tongjiang, forged, [CaseStage.ENFORCING])

    hospital = _site("巴中市中心医院")
    warned = services.open_case(bazhou, source_type="manual", organization=hospital.organization, site=hospital,
                                title="血压计未按规定申请检定", discovered_on=timezone.localdate())
    _through(bazhou, warned, [CaseStage.INVESTIGATING, CaseStage.NOTIFIED])
    services.decide(bazhou, warned, basis="unverified_use", facts="当事人两台血压计未按规定申请周期检定。", warning=True)
    services.publish(city, warned)

    enyang = _site("巴中市恩阳区恩阳古镇加油站")
    services.open_case(city, source_type="manual", organization=enyang.organization, site=enyang,
                       title="日常检查：加油机未按期申请检定", discovered_on=timezone.localdate())
    return 4


def _honesty(bazhou, tongjiang, city, owner_names):
    signed = 0
    for index, name in enumerate(owner_names):
        organization = Organization.objects.get(name=name)
        owner = User.objects.filter(role=Role.OWNER, organization=organization).first() or \
            _owner(organization, f"owner{index + 2}")
        services.sign_commitment(owner, signer_name=owner.display_name or "负责人")
        signed += 1
    year = timezone.localdate().year
    units = [services.nominate_model_unit(officer, organization=Organization.objects.get(name=name), year=year,
                                          reason=reason)
             for officer, name, reason in (
                 (bazhou, owner_names[0], "连续三年无计量违法记录，主动公开检定信息"),
                 (tongjiang, owner_names[1], "加油机全部接入在线监测，数据稳定"),
                 (bazhou, "巴中市中心医院", "医用计量器具管理制度完善"))]
    for unit in units[:2]:
        services.publish_model_unit(city, unit)
    return signed, len(units)


@transaction.atomic
def load(out) -> None:
    if Complaint.objects.exists():
        out.write("Enforcement: demo complaints and cases already there.")
        return
    started = time.monotonic()
    bazhou, tongjiang, city = (User.objects.get(username=name) for name in ("bazhou", "tongjiang", "city"))
    jiangbei, market, nuojiang = (_site(name) for name in (
        DEMO_ORGANIZATIONS[0][1], DEMO_ORGANIZATIONS[1][1], "通江县诺江加油站有限公司"))
    referred = _complaints(bazhou, tongjiang, jiangbei, market, nuojiang)
    cases = _cases(bazhou, tongjiang, city, referred, jiangbei, nuojiang)
    signed, units = _honesty(bazhou, tongjiang, city, [DEMO_ORGANIZATIONS[0][1], "通江县诺江加油站有限公司"])
    out.write(f"Enforcement: {Complaint.objects.count()} complaints, {cases} cases, {signed} commitments, "
              f"{units} model units ({time.monotonic() - started:.1f} s).")
