"""Demo users, one per role, bound to the demo city, counties, institution and organization."""

from dataclasses import dataclass

from django.db import transaction

from jiliang.accounts import audit, services
from jiliang.accounts.models import Division, Role, User
from jiliang.registry.demo import OWNER_DEMO_ORGANIZATION
from jiliang.registry.models import Organization
from jiliang.verification.demo import CITY_INSTITUTION
from jiliang.verification.models import Institution

DEMO_PASSWORD = "Jiliang-Demo-2026"
DEMO_DEPARTMENT = "市科技局"  # supports nine tasks of the plan (portal/data/plan_2023.json)
COUNTY_USERS = {
    "bazhou": "511902", "enyang": "511903", "tongjiang": "511921", "nanjiang": "511922",
    "pingchang": "511923", "jingkai": "511900JK", "wenlv": "511900WL",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    description: str


def _ensure_user(username: str, role: str, name: str, **binding) -> None:
    if not User.objects.filter(username=username).exists():
        services.create_user(None, username=username, password=DEMO_PASSWORD, role=role,
                             display_name=name, **binding)


@transaction.atomic
def load(out) -> list[DemoLogin]:
    city = Division.objects.get(code="511900")
    logins = []
    _ensure_user("city", Role.CITY_REGULATOR, "市局计量科", division=city)
    logins.append(DemoLogin("city", DEMO_PASSWORD, "市级监管人员 (巴中市)"))
    # A second city officer: trust anchors (national roots, authorisations, qualifications) take one
    # officer to propose and another to approve (docs/verification.md, two-person rule).
    _ensure_user("city2", Role.CITY_REGULATOR, "市局计量科复核人", division=city)
    logins.append(DemoLogin("city2", DEMO_PASSWORD, "市级监管人员，复核信任锚 (巴中市)"))
    for username, code in COUNTY_USERS.items():
        division = Division.objects.get(code=code)
        _ensure_user(username, Role.COUNTY_REGULATOR, f"{division.name}市场监管局", division=division)
        logins.append(DemoLogin(username, DEMO_PASSWORD, f"县(区)级监管人员 ({division.name})"))
    _ensure_user("institution", Role.INSTITUTION_STAFF, "检定员李四",
                 institution=Institution.objects.get(name=CITY_INSTITUTION))
    logins.append(DemoLogin("institution", DEMO_PASSWORD, f"检定机构人员 ({CITY_INSTITUTION})"))
    owner_org = Organization.objects.get(name=OWNER_DEMO_ORGANIZATION)
    _ensure_user("owner", Role.OWNER, "加油站站长", organization=owner_org)
    logins.append(DemoLogin("owner", DEMO_PASSWORD, f"使用单位人员 ({owner_org.name})"))
    _ensure_user("auditor", Role.AUDITOR, "纪检审计", division=city)
    logins.append(DemoLogin("auditor", DEMO_PASSWORD, "只读审计人员 (巴中市)"))
    _ensure_user("dept", Role.DEPARTMENT, "市科技局规划联络员", division=city, department=DEMO_DEPARTMENT)
    logins.append(DemoLogin("dept", DEMO_PASSWORD, f"规划任务填报部门人员 ({DEMO_DEPARTMENT})"))
    if not User.objects.filter(username="admin").exists():
        admin = User.objects.create_superuser("admin", password=DEMO_PASSWORD, display_name="系统管理员")
        audit.record("demo", "user.create", admin, after=audit.snapshot(admin))
    logins.append(DemoLogin("admin", DEMO_PASSWORD, "系统管理员 (后台 /admin/)"))
    out.write(f"Users: {len(logins)} demo logins ready.")
    return logins
