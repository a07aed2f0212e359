from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "jiliang.enforcement"
    label = "enforcement"
    verbose_name = "投诉举报与执法办案"
