"""Chinese words for what the audit log stores as codes: actions (``login.success``), object types
(``accounts.User``) and snapshot values (True/False/None), so that a regulator reads the log in
Chinese. The codes stay in the table and the exports' filters; the page shows the words."""

import datetime
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS = {
    "login.success": gettext_lazy("登录成功"),
    "login.failure": gettext_lazy("登录失败"),
    "login.locked_out": gettext_lazy("账户锁定"),
    "logout": gettext_lazy("退出登录"),
    "user.create": gettext_lazy("新建用户"),
    "user.activate": gettext_lazy("启用用户"),
    "api_token.issue": gettext_lazy("签发接口令牌"),
    "api_token.revoke": gettext_lazy("吊销接口令牌"),
    "admin.create": gettext_lazy("后台新建"),
    "admin.change": gettext_lazy("后台修改"),
    "admin.delete": gettext_lazy("后台删除"),
    "organization.create": gettext_lazy("登记使用单位"),
    "organization.update": gettext_lazy("修改使用单位"),
    "site.create": gettext_lazy("登记场所"),
    "site.update": gettext_lazy("修改场所"),
    "instrument.create": gettext_lazy("登记计量器具"),
    "instrument.update": gettext_lazy("修改计量器具"),
    "instrument.status": gettext_lazy("变更器具状态"),
    "instrument_type.create": gettext_lazy("新增目录条目"),
    "instrument_type.update": gettext_lazy("修改目录条目"),
    "instrument_type.log_catalogue": gettext_lazy("目录写入透明日志"),
    "institution.create": gettext_lazy("登记检定机构"),
    "institution.update": gettext_lazy("修改检定机构"),
    "authorisation.create": gettext_lazy("登记授权"),
    "qualification.grant": gettext_lazy("授予人员资格"),
    "standard.create": gettext_lazy("登记计量标准"),
    "standard.update": gettext_lazy("修改计量标准"),
    "standard.calibrate": gettext_lazy("登记标准校准"),
    "mpe_rule.create": gettext_lazy("新增最大允许误差规则"),
    "mpe_rule.update": gettext_lazy("修改最大允许误差规则"),
    "mpe_rule.retire": gettext_lazy("废止最大允许误差规则"),
    "dashboard.refresh": gettext_lazy("统计驾驶舱指标"),
    "verification.record": gettext_lazy("录入检定记录"),
    "verification.reminders.run": gettext_lazy("发送到期提醒"),
    "verification_request.submit": gettext_lazy("提交报检"),
    "verification_request.accept": gettext_lazy("受理报检"),
    "verification_request.reject": gettext_lazy("不予受理报检"),
    "verification_request.cancel": gettext_lazy("撤回报检"),
    "verification_request.complete": gettext_lazy("完成报检"),
    "certificate.download": gettext_lazy("下载证书文件"),
    "certificate.issue": gettext_lazy("出具证书"),
    "certificate.revoke": gettext_lazy("撤销证书"),
    "certificate.supersede": gettext_lazy("更正证书"),
    "notification.read": gettext_lazy("阅读通知"),
    "device.register": gettext_lazy("登记监测设备"),
    "device.credentials": gettext_lazy("签发设备凭据"),
    "device.revoke": gettext_lazy("吊销监测设备"),
    "complaint.submit": gettext_lazy("提交投诉举报"),
    "complaint.accepted": gettext_lazy("受理投诉举报"),
    "complaint.rejected": gettext_lazy("不予受理投诉举报"),
    "complaint.referred": gettext_lazy("投诉举报转立案"),
    "complaint.replied": gettext_lazy("答复投诉举报"),
    "complaint.identity_read": gettext_lazy("查看举报人身份"),
    "complaint.reward": gettext_lazy("举报奖励决定"),
    "complaint.reminders": gettext_lazy("投诉举报期限提醒"),
    "case.open": gettext_lazy("立案"),
    "case.investigating": gettext_lazy("案件进入调查取证"),
    "case.notified": gettext_lazy("案件进入告知"),
    "case.hearing": gettext_lazy("案件进入听证"),
    "case.enforcing": gettext_lazy("案件进入执行"),
    "case.closed": gettext_lazy("结案"),
    "case.decide": gettext_lazy("作出处罚决定"),
    "case.evidence": gettext_lazy("添加证据"),
    "case.party": gettext_lazy("添加当事人"),
    "case.publish": gettext_lazy("公示处罚决定"),
    "commitment.sign": gettext_lazy("签署诚信计量承诺"),
    "model_unit.nominate": gettext_lazy("推荐示范单位"),
    "model_unit.publish": gettext_lazy("公布示范单位"),
    "sharing.export": gettext_lazy("数据共享导出"),
    "alert.raise": gettext_lazy("产生预警"),
    "alert.escalate": gettext_lazy("预警升级"),
    "alert.remind": gettext_lazy("预警提醒"),
    "alert.clear": gettext_lazy("预警解除"),
    "alert.acknowledged": gettext_lazy("预警确认收到"),
    "alert.investigating": gettext_lazy("预警转入核查"),
    "alert.confirmed": gettext_lazy("预警核实属实"),
    "alert.false_alarm": gettext_lazy("预警判为误报"),
    "alert.closed": gettext_lazy("预警关闭"),
    "work_order.create": gettext_lazy("派发工单"),
    "rule_threshold.edit": gettext_lazy("修改预警规则阈值"),
    "monitoring.dead_letter": gettext_lazy("监测数据存储失败"),
    "monitoring.purge": gettext_lazy("清理过期监测数据"),
    "monitoring.simulate.setup": gettext_lazy("建立模拟监测数据"),
    "tmp.sweep": gettext_lazy("清理遗留临时文件"),
    "task.import.start": gettext_lazy("发起后台导入"),
    "task.import.completed": gettext_lazy("后台导入完成"),
    "task.import.failed": gettext_lazy("后台导入失败"),
    "task.export.start": gettext_lazy("发起后台导出"),
    "task.export.completed": gettext_lazy("后台导出完成"),
    "task.export.failed": gettext_lazy("后台导出失败"),
    "task.credit_grades.start": gettext_lazy("发起信用等级重算"),
    "task.credit_grades.completed": gettext_lazy("信用等级重算完成"),
    "task.credit_grades.failed": gettext_lazy("信用等级重算失败"),
    "inspection_plan.create": gettext_lazy("新建抽查计划"),
    "inspection_plan.weights": gettext_lazy("修改抽查权重"),
    "inspection_plan.commit": gettext_lazy("公示抽取名单"),
    "inspection_plan.draw": gettext_lazy("双随机抽取"),
    "inspection_task.from_alert": gettext_lazy("预警转为检查任务"),
    "inspection_task.submit": gettext_lazy("提交检查记录"),
    "inspection_task.publish": gettext_lazy("公开检查结果"),
    "inspection_evidence.add": gettext_lazy("上传检查证据"),
    "inspection_evidence.download": gettext_lazy("下载检查证据"),
    "conflict.declare": gettext_lazy("申报回避关系"),
    "checklist.edit": gettext_lazy("修改检查表"),
    "alert.assign": gettext_lazy("指派预警承办人"),
    "alert.note": gettext_lazy("预警添加备注"),
    "alert.verification_request": gettext_lazy("预警转为报检申请"),
    "alert.deadline_nearing": gettext_lazy("预警办理期限将至提醒"),
    "alert.deadline_passed": gettext_lazy("预警超期提醒并上报"),
    "credit.event": gettext_lazy("记录信用事项"),
    "credit.event.void": gettext_lazy("撤销信用记录"),
    "credit.recompute": gettext_lazy("重新计算信用等级"),
    "credit.collect": gettext_lazy("按平台数据生成信用记录"),
    "credit.objection.raise": gettext_lazy("提出信用异议"),
    "credit.objection.decide": gettext_lazy("处理信用异议"),
    "credit.weight.change": gettext_lazy("修改信用事项分值"),
    "enforcement.deadline.change": gettext_lazy("修改法定期限"),
    "enforcement.legal_basis.change": gettext_lazy("修改处罚依据"),
    "portal.task_report": gettext_lazy("填报规划任务进展"),
    "portal.task_report_accept": gettext_lazy("采纳规划任务进展"),
    "portal.task_report_return": gettext_lazy("退回规划任务进展"),
}
# Snapshot keys that are not fields of the audited model (counts, reasons, loader figures).
KEYS = {
    "count": gettext_lazy("数量"), "version": gettext_lazy("版本"), "reason": gettext_lazy("原因"),
    "params": gettext_lazy("参数"), "first": gettext_lazy("首条"), "last": gettext_lazy("末条"),
    "within_days": gettext_lazy("天数内到期"), "token_prefix": gettext_lazy("令牌前缀"),
    "source": gettext_lazy("来源"), "secret_version": gettext_lazy("密钥版本"),
    "revoked_at": gettext_lazy("吊销时间"), "reminders": gettext_lazy("提醒数"), "note": gettext_lazy("说明"),
    "instruments": gettext_lazy("器具数"), "devices": gettext_lazy("设备数"), "day": gettext_lazy("日期"),
    "codes": gettext_lazy("代码"), "cleared_at": gettext_lazy("解除时间"), "batch": gettext_lazy("批次"),
    "active": gettext_lazy("有效"), "username": gettext_lazy("用户名"),
    "directory": gettext_lazy("目录"), "removed": gettext_lazy("已删除文件"),
    "task_folders": gettext_lazy("已删除任务文件夹"), "title": gettext_lazy("任务"), "message": gettext_lazy("说明"),
    "result": gettext_lazy("结果文件"), "done": gettext_lazy("已处理行数"), "language": gettext_lazy("语言"),
    "import_kind": gettext_lazy("导入类型"), "filename": gettext_lazy("文件名"), "partial": gettext_lazy("只导入无误的行"),
    "page": gettext_lazy("列表页面"), "query": gettext_lazy("查询条件"), "format": gettext_lazy("格式"),
    "photo_count": gettext_lazy("照片数"), "late_reason": gettext_lazy("逾期理由"),
    "reminded": gettext_lazy("已提醒"), "escalated": gettext_lazy("已升级"), "notices": gettext_lazy("通知数"),
    "delivered": gettext_lazy("已送达"), "cases": gettext_lazy("案件数"),
    # Fields of models outside this change whose verbose_name is still the English default.
    "user_id": gettext_lazy("用户"), "prefix": gettext_lazy("令牌前缀"), "digest": gettext_lazy("摘要"),
    "created_at": gettext_lazy("创建时间"), "last_used_at": gettext_lazy("最近使用时间"),
    "token_digest": gettext_lazy("令牌摘要"), "last_register_at": gettext_lazy("最近读数时间"),
    "last_register_seq": gettext_lazy("最近读数序号"), "last_register": gettext_lazy("最近读数"),
    "path": gettext_lazy("区划路径"),
    "inputs_sha256": gettext_lazy("名单摘要"), "candidates": gettext_lazy("候选对象数"),
    "seed": gettext_lazy("随机种子"), "checkpoint_size": gettext_lazy("种子检查点"),
    "drawn": gettext_lazy("抽取任务数"),
    "graded": gettext_lazy("评定单位数"), "dropped": gettext_lazy("恢复默认等级数"), "events": gettext_lazy("记录数"),
    "organizations": gettext_lazy("单位数"), "kinds": gettext_lazy("各类记录数"), "at": gettext_lazy("时间"),
    "instrument": gettext_lazy("计量器具"),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Loaders write "<loader>.load" (demo, seed, history): one bulk load of records.
LOAD_SUFFIX = ".load"


def action_label(code: str) -> str:
    """The Chinese name of an action; a code this table does not know yet still reads as Chinese."""
    if code in ACTIONS:
        return str(ACTIONS[code])
    if code.endswith(LOAD_SUFFIX):
        return _("批量载入数据")
    return _("其他操作")


def action_display(code: str) -> str:
    """The Chinese name with the code beside it in full-width parentheses, as the audit list shows it."""
    return f"{action_label(code)}（{code}）"


def action_choices() -> list[tuple[str, str]]:
    return [(code, action_display(code)) for code in ACTIONS]


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def object_type_label(label: str) -> str:
    """``accounts.User`` -> 用户 (the model's verbose name); an unknown label reads 其他对象."""
    model = _model(label)
    return str(model._meta.verbose_name) if model else _("其他对象")


def object_type_choices() -> list[tuple[str, str]]:
    models = [m for m in apps.get_models() if m.__module__.startswith("jiliang.")]
    return sorted(((m._meta.label, str(m._meta.verbose_name)) for m in models), key=lambda pair: pair[1])


def value_display(value) -> str:
    """A snapshot value as a reader expects it: 是/否/空, times in Beijing time."""
    if value is None or value == "":
        return _("空")
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, str) and "T" in value:
        moment = parse_datetime(value) if len(value) >= 19 else None
        if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | dict):
        return "、".join(value_display(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


def _field_words(model, key: str, value) -> tuple[str, str]:
    """The field's Chinese name and the value, a choice shown by its label."""
    try:
        if model is None:
            raise FieldDoesNotExist(key)
        field = model._meta.get_field(key.removesuffix("_id"))
        if field.auto_created and not field.concrete:  # a reverse relation's name, used as a figure's key
            raise FieldDoesNotExist(key)
    except FieldDoesNotExist:
        return str(KEYS.get(key, key)), value_display(value)
    choices = dict(field.flatchoices) if field.choices else {}
    shown = choices.get(value, value) if isinstance(value, str | int) else value
    name = str(field.verbose_name)
    if not _CJK.search(name):  # a field left with Django's English default name
        name = str(KEYS.get(key, name))
    return name, value_display(shown) if shown is value else str(shown)


def field_names(object_type: str, keys: list[str]) -> list[str]:
    """The Chinese names of snapshot keys (the changed fields a history lists)."""
    model = _model(object_type)
    return [_field_words(model, key, None)[0] for key in keys]


def snapshot_display(object_type: str, values: dict | None) -> str:
    """A before/after snapshot as "名称：值；..." with the model's Chinese field names."""
    if not values:
        return ""
    if not isinstance(values, dict):
        return value_display(values)
    model = _model(object_type)
    return "；".join("%s：%s" % _field_words(model, key, value) for key, value in values.items())
