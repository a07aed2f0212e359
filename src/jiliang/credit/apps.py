from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "jiliang.credit"
    verbose_name = _("信用分级分类")

    def ready(self):
        from jiliang.credit import figures  # noqa: F401  (registers the dashboard figures)
        from jiliang.credit import home  # noqa: F401  (registers the home-page cards)
