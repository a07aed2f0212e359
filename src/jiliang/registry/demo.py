"""The registry's part of the Bazhong demo data set (deterministic, idempotent).

DEMO_ORGANIZATIONS are the named entities the demo logins are bound to; the rest of the set (about
2,000 organizations, their sites and about 15,000 instruments) comes from registry.synthetic.
"""

import time

from jiliang.registry import services, synthetic
from jiliang.registry.codes import make_uscc

DEMO_ORGANIZATIONS = [
    # (county code, name, industry, contact)
    ("511902", "巴中市巴州区江北加油站有限公司", "成品油零售", "13800000001"),
    ("511902", "巴中市巴州区回风农贸市场管理有限公司", "农贸市场", "13800000002"),
    ("511902", "巴中市中心医院", "医疗卫生", "13800000003"),
    ("511903", "巴中市恩阳区恩阳古镇加油站", "成品油零售", "13800000004"),
    ("511903", "巴中市恩阳区眼镜店", "眼镜配镜", "13800000005"),
    ("511921", "通江县诺江加油站有限公司", "成品油零售", "13800000006"),
    ("511921", "通江县自来水公司", "供水", "13800000007"),
    ("511922", "南江县光雾山出租汽车有限公司", "出租汽车", "13800000008"),
    ("511922", "南江县人民医院", "医疗卫生", "13800000009"),
    ("511923", "平昌县江口农贸市场", "农贸市场", "13800000010"),
    ("511923", "平昌县新能源充电站有限公司", "充电设施", "13800000011"),
]

OWNER_DEMO_ORGANIZATION = DEMO_ORGANIZATIONS[0][1]


def fixed_organizations() -> list[synthetic.OrgSpec]:
    """The named organizations, each running the first demo site of its industry."""
    return [
        synthetic.OrgSpec(make_uscc("91", county_code, f"MA{index:06d}"), name, county_code, industry, phone)
        for index, (county_code, name, industry, phone) in enumerate(DEMO_ORGANIZATIONS, start=1)
    ]


def load(out) -> None:
    started = time.monotonic()
    created = synthetic.load(synthetic.DEMO, fixed=fixed_organizations())
    logged = services.log_catalogue("demo")
    out.write(
        f"Registry: {created['organizations']} organizations, {created['sites']} sites, "
        f"{created['instruments']} instruments created ({time.monotonic() - started:.1f} s; "
        f"the rest was already there); {logged} catalogue entries put on the transparency log."
    )
