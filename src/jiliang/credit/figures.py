"""The credit figures of the dashboard (dashboard/figures.py): businesses per grade A–D per county,
a business without a computed grade counted in the data file's default grade (as ``grades_for``)."""

from collections import Counter

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from jiliang.credit import weights
from jiliang.credit.models import Grade
from jiliang.dashboard.figures import BY_COUNTY, STOCK, Chart, Figure, Provider, Run, register
from jiliang.registry.models import Organization, county_id_of

LABELS = {Grade.A: _("A类单位"), Grade.B: _("B类单位"), Grade.C: _("C类单位"), Grade.D: _("D类单位")}


def stock(run: Run):
    default = weights.default_grade()
    totals: Counter = Counter()
    rows = Organization.objects.order_by().values("division_id", "credit_grade__grade").annotate(n=Count("pk"))
    for row in rows:
        totals[county_id_of(row["division_id"]), f"credit.grade_{row['credit_grade__grade'] or default}"] += row["n"]
    for (county_id, key), value in totals.items():
        yield county_id, key, value


register(Provider(
    name="credit",
    label=_("信用分级分类"),
    order=50,
    figures=tuple(Figure(f"credit.grade_{grade}", label, _("户"), STOCK) for grade, label in LABELS.items()),
    charts=(Chart("credit.counties", _("各县(区)信用等级分布"), BY_COUNTY,
                  tuple(f"credit.grade_{grade}" for grade in LABELS)),),
    stock=stock,
))
