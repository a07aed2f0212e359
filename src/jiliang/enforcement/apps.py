from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "jiliang.enforcement"
    label = "enforcement"
    verbose_name = _("投诉举报与执法办案")

    def ready(self) -> None:
        from jiliang.enforcement import figures  # noqa: F401  (registers the dashboard figures)
        from jiliang.enforcement import home  # noqa: F401  (registers the home-page cards)
