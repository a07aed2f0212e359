import pytest

from jiliang.accounts.models import Role
from tests.verification.conftest import world  # noqa: F401  (an authorised institution, an owner, certificates)
from tests.registry.conftest import make_instrument, make_site, registrar  # noqa: F401  (serials of our choosing)

SCIENCE = "市科技局"  # supports T1 and T3, neither leads nor supports T15 or T5


@pytest.fixture
def science(make_user):
    """A department's reporter of 市科技局."""
    return make_user(Role.DEPARTMENT, division="511900", department=SCIENCE, display_name="科技局联络员")
