from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jiliang.jobs"
    verbose_name = "定时任务"
