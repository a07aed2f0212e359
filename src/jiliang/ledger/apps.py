from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "jiliang.ledger"
    verbose_name = _("透明日志")
