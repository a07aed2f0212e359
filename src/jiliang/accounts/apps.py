from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jiliang.accounts"
    verbose_name = _("账户与权限")

    def ready(self) -> None:
        from jiliang.accounts import signals  # noqa: F401  (connects the sign-in audit receivers)
