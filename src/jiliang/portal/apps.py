from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiliang.portal"
    label = "portal"
    verbose_name = "公众服务门户与全局搜索"
