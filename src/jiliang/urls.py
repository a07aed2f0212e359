from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from jiliang.api import api

admin.site.site_header = f"{settings.JILIANG_CITY_NAME}智慧计量监管服务平台 · 后台管理"
admin.site.site_title = "智慧计量监管服务平台"
admin.site.index_title = "后台数据管理"

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("jiliang.accounts.urls")),
    path("registry/imports/", include("jiliang.registry.importing.urls")),
    path("registry/", include("jiliang.registry.urls")),
    path("verification/", include("jiliang.verification.urls")),
    path("log/", include("jiliang.ledger.urls")),
    path("monitoring/", include("jiliang.monitoring.urls")),
    path("notifications/", include("jiliang.notifications.urls")),
    path("credit/", include("jiliang.credit.urls")),
    path("tasks/", include("jiliang.jobs.urls")),
    path("supervision/", include("jiliang.supervision.urls")),
    path("dashboard/", include("jiliang.dashboard.urls")),
    path("verification/", include("jiliang.verification.due_urls")),
    path("i/", include("jiliang.registry.public_urls")),
    path("check/", include("jiliang.verification.public_urls")),
    path("enforcement/", include("jiliang.enforcement.urls")),
    path("complaints/", include("jiliang.enforcement.public_urls")),
    path("", include("jiliang.portal.urls")),
    path("", include("jiliang.ui.urls")),
]

handler400 = "jiliang.ui.views.bad_request"
handler403 = "jiliang.ui.views.permission_denied"
handler404 = "jiliang.ui.views.page_not_found"
handler500 = "jiliang.ui.views.server_error"
