"""The credit figures the dashboard stores (businesses per grade per county, the default grade for
a business without a computed one) equal the ones counted with ``grades_for``, for each scope."""

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.credit.models import CreditGrade, Grade
from jiliang.credit.selectors import grades_for
from jiliang.dashboard import refresh, selectors
from jiliang.registry.models import Organization

KEYS = [f"credit.grade_{grade}" for grade in Grade.values]


def counted(organizations) -> dict[str, int]:
    grades = list(grades_for([o.pk for o in organizations]).values())
    return {f"credit.grade_{grade}": grades.count(grade) for grade in Grade.values}


@pytest.mark.django_db
def test_stored_grades_equal_the_counted_ones(make_organization, city_regulator, bazhou_regulator):
    made = [make_organization("511902") for _ in range(4)] + [make_organization("511921") for _ in range(3)]

    @settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.one_of(st.none(), st.sampled_from(Grade.values)), min_size=len(made), max_size=len(made)))
    def check(grades):
        with transaction.atomic():
            CreditGrade.objects.bulk_create(CreditGrade(organization=o, score=80, grade=g, computed_at=timezone.now())
                                            for o, g in zip(made, grades, strict=True) if g)
            refresh.rebuild()
            city, bazhou = selectors.board(city_regulator), selectors.board(bazhou_regulator)
            assert {key: city.total.latest(key) for key in KEYS} == counted(Organization.objects.all())
            assert {key: bazhou.total.latest(key) for key in KEYS} == counted(
                Organization.objects.filter(division__code__startswith="511902"))
            transaction.set_rollback(True)

    check()
