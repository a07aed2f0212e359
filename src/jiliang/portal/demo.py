"""The plan tracker's part of the demo: department reports on most tasks of the plan, entered by the demo
city officer through the service (so audited), so that the board shows every colour; and two reports of the
demo department's reporter (accounts/demo.py), one accepted by the city officer and one waiting for review.
Idempotent."""

from jiliang.accounts.demo import DEMO_DEPARTMENT
from jiliang.accounts.models import User
from jiliang.portal import services
from jiliang.portal.models import TaskReport, TaskStatus

# task -> (status, department, progress, evidence); illustrative demo text, not the departments' real reports.
REPORTS = {
    "T2": (TaskStatus.ON_TRACK, "市市场监管局", "检定证书已全部数字化签发，并写入透明日志。", "演示数据：平台证书签发记录"),
    "T5": (TaskStatus.NOT_STARTED, "市农业农村局", "涉农计量服务方案正在起草。", "演示数据：工作计划（草案）"),
    "T6": (TaskStatus.ON_TRACK, "市市场监管局", "重点用能单位能源计量审查已完成第一批。", "演示数据：审查通知"),
    "T9": (TaskStatus.ON_TRACK, "市市场监管局", "新建社会公用计量标准按年度计划推进。", "演示数据：建标考核证书"),
    "T11": (TaskStatus.BEHIND, "市人力资源社会保障局", "注册计量师培训因场地原因推迟。", "演示数据：情况说明"),
    "T14": (TaskStatus.BEHIND, "市市场监管局", "省级产业计量测试中心筹建申请材料尚在准备。", "演示数据：申报进度表"),
    "T15": (TaskStatus.COMPLETED, "市市场监管局", "全市智慧计量监管服务平台已上线运行，强检器具纳入平台管理。",
            "演示数据：平台验收报告"),
    "T16": (TaskStatus.ON_TRACK, "市市场监管局", "集贸市场、加油站专项计量监督检查按季度开展。", "演示数据：检查通报"),
    "T17": (TaskStatus.ON_TRACK, "市市场监管局", "诚信计量自我承诺在商超、加油站推开。", "演示数据：承诺名单"),
    "T18": (TaskStatus.ON_TRACK, "市司法局", "计量执法与刑事司法衔接机制已建立。", "演示数据：联席会议纪要"),
    "S4": (TaskStatus.NOT_STARTED, "市市场监管局", "中期评估拟委托第三方开展。", "演示数据：评估工作方案"),
}
# task -> (status, progress, evidence, accepted), reported by the demo department (tasks it supports).
DEPARTMENT_REPORTS = {
    "T1": (TaskStatus.ON_TRACK, "碳汇计量、化学计量两个市级科研项目已立项。", "演示数据：科技计划项目立项通知", True),
    "T3": (TaskStatus.ON_TRACK, "计量科技成果纳入市科技成果登记。", "演示数据：成果登记清单", False),
}


def load(out):
    if TaskReport.objects.exists():
        out.write("Plan tracker: reports present.")
        return
    officer = User.objects.get(username="city")
    for task, (status, department, progress, evidence) in REPORTS.items():
        services.report_progress(officer, task=task, status=status, department=department, progress=progress,
                                 evidence=evidence)
    reporter = User.objects.get(username="dept")
    for task, (status, progress, evidence, accepted) in DEPARTMENT_REPORTS.items():
        report = services.report_progress(reporter, task=task, status=status, progress=progress, evidence=evidence)
        if accepted:
            services.review_report(officer, report, accept=True)
    out.write(f"Plan tracker: {len(REPORTS)} reports entered by the city, {len(DEPARTMENT_REPORTS)} by "
              f"{DEMO_DEPARTMENT} (one waiting for review).")
