"""Whether an institution, a person or a standard may take part in a verification on a given date.

The services refuse a verification when any of these names a problem; the traceability chain shows
the same problems as broken links. Each function returns the problems as sentences (empty = fine).
"""

import datetime

from django.utils.translation import gettext as _

from jiliang.accounts.models import Role
from jiliang.verification.models import (
    AuthorisationScope,
    CalibrationResult,
    MeasurementStandard,
    Qualification,
    QualificationKind,
    StandardCalibration,
)


def authorisation_problems(institution, instrument_type, division, on: datetime.date) -> list[str]:
    """The institution must hold an authorisation covering the type and the division on that date.
    One query: the paths of the divisions of every authorisation in force for the type; a division
    covers its subtree (a county authorisation covers its townships)."""
    paths = list(AuthorisationScope.objects.filter(
        institution=institution, valid_from__lte=on, valid_until__gte=on, instrument_types=instrument_type,
    ).order_by().values_list("divisions__path", flat=True))
    covered = division is None or any(path and division.path.startswith(path) for path in paths)
    return authorisation_verdict(bool(paths), covered, institution, instrument_type, division, on)


def authorisation_verdict(authorised: bool, covered: bool, institution, instrument_type, division,
                          on: datetime.date) -> list[str]:
    """The problems, given whether an authorisation for the type is in force on the date and whether
    one of those covers the division."""
    if not authorised:
        return [_("%(institution)s 在 %(date)s 没有 %(type)s 的有效计量授权。")
                % {"institution": institution, "date": on, "type": instrument_type.name_zh}]
    if not covered:
        return [_("%(institution)s 的计量授权不覆盖 %(division)s。")
                % {"institution": institution, "division": division.name}]
    return []


def qualification_problems(user, institution, instrument_type, kind: str, on: datetime.date) -> list[str]:
    label = QualificationKind(kind).label
    if user.role != Role.INSTITUTION_STAFF or user.institution_id != institution.pk:
        return [_("%(person)s 不是 %(institution)s 的检定人员。") % {"person": user, "institution": institution}]
    qualified = Qualification.objects.filter(
        user=user, instrument_type=instrument_type, kind=kind, valid_from__lte=on, valid_until__gte=on,
    ).exists()
    if not qualified:
        return [_("%(person)s 在 %(date)s 没有 %(type)s 的有效%(kind)s资格。")
                % {"person": user, "date": on, "type": instrument_type.name_zh, "kind": label}]
    return []


def calibration_on(standard: MeasurementStandard, on: datetime.date) -> StandardCalibration | None:
    """The standard's latest calibration made on or before ``on``."""
    return (
        StandardCalibration.objects.filter(standard=standard, calibrated_on__lte=on)
        .select_related("reference_standard", "calibrating_institution")
        .order_by("-calibrated_on", "-id")
        .first()
    )


def standard_problems(standard: MeasurementStandard, on: datetime.date, calibration: StandardCalibration | None,
                      ) -> list[str]:
    """Problems of the standard itself on that date: its approval and the calibration in force.
    A national root needs neither; ``calibration`` is ``calibration_on(standard, on)``."""
    if standard.is_national_root:
        return []
    problems = []
    if standard.approval_valid_until is None:
        problems.append(_("计量标准“%(name)s”没有记录考核证书。") % {"name": standard.name})
    elif standard.approval_valid_until < on:
        problems.append(_("计量标准“%(name)s”的考核证书已于 %(date)s 过期。")
                        % {"name": standard.name, "date": standard.approval_valid_until})
    if calibration is None:
        problems.append(_("计量标准“%(name)s”在 %(date)s 之前没有校准记录(溯源缺失)。")
                        % {"name": standard.name, "date": on})
    else:
        if calibration.valid_until < on:
            problems.append(_("计量标准“%(name)s”的校准证书 %(no)s 已于 %(date)s 过期。")
                            % {"name": standard.name, "no": calibration.certificate_no, "date": calibration.valid_until})
        if calibration.result == CalibrationResult.OUT_OF_TOLERANCE:
            problems.append(_("计量标准“%(name)s”在校准证书 %(no)s 中超差。")
                            % {"name": standard.name, "no": calibration.certificate_no})
    return problems


def standard_use_problems(standard: MeasurementStandard, institution, instrument_type, on: datetime.date) -> list[str]:
    """Whether a verification of ``instrument_type`` by ``institution`` may use the standard on that date."""
    serves_type = standard.instrument_types.filter(pk=instrument_type.pk).exists()
    return (standard_holding_problems(standard, institution, instrument_type, serves_type)
            + standard_problems(standard, on, calibration_on(standard, on)))


def standard_holding_problems(standard: MeasurementStandard, institution, instrument_type, serves_type: bool,
                              ) -> list[str]:
    """The standard must be the institution's own, in service and serve the type (``serves_type``)."""
    problems = []
    if standard.institution_id != institution.pk:
        problems.append(_("计量标准“%(name)s”不属于 %(institution)s。") % {"name": standard.name, "institution": institution})
    if not standard.in_service:
        problems.append(_("计量标准“%(name)s”已停用。") % {"name": standard.name})
    if not serves_type:
        problems.append(_("计量标准“%(name)s”不在 %(type)s 的检定范围内(超出标准的开展项目)。")
                        % {"name": standard.name, "type": instrument_type.name_zh})
    return problems
