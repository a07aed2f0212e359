from monitoring_fixtures import _fresh_partitions, make_device, make_site  # noqa: F401  (shared fixtures)
