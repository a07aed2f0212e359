from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jiliang.registry"
    verbose_name = _("计量器具登记")

    def ready(self) -> None:
        from jiliang.registry import home  # noqa: F401  (registers the home-page cards)
