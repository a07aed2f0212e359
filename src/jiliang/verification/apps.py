from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "jiliang.verification"
    verbose_name = _("检定与溯源")

    def ready(self) -> None:
        from jiliang.verification import due_home  # noqa: F401  (registers the home-page cards)
