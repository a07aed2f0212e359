from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jiliang.monitoring"
    verbose_name = _("非现场监管")


    def ready(self) -> None:
        from jiliang.monitoring import figures  # noqa: F401  (registers the dashboard figures)
        from jiliang.monitoring import home  # noqa: F401  (registers the home-page card)
