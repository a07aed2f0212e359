from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jiliang.monitoring"
    verbose_name = _("非现场监管")

