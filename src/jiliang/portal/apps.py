from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiliang.portal"
    label = "portal"
    verbose_name = "公众服务门户与全局搜索"

    def ready(self):
        from jiliang.portal import home  # noqa: F401  (registers the home-page cards)
