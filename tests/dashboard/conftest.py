from monitoring_fixtures import make_device, make_site  # noqa: F401  (shared fixtures)
