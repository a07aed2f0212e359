from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running an installation: backup and restore, upgrades (docs/deployment.md)."""

    name = "jiliang.operations"
    verbose_name = "运维"
