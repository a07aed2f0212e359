from monitoring_fixtures import _fresh_partitions, make_device, make_site  # noqa: F401  (alerts on devices)

from tests.verification.conftest import world  # noqa: F401  (instruments with real certificates)
