from monitoring_fixtures import _fresh_partitions, broker_port, make_device, make_site  # noqa: F401  (shared fixtures)
