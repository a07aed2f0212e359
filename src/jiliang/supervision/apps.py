from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "jiliang.supervision"
    verbose_name = _("双随机监管")

    def ready(self) -> None:
        from jiliang.enforcement.sharing import SECTIONS
        from jiliang.supervision import figures  # noqa: F401  (registers the dashboard figures)
        from jiliang.supervision import home  # noqa: F401  (registers the home-page cards)
        from jiliang.supervision.sharing import inspection_rows

        SECTIONS["inspections"] = inspection_rows
