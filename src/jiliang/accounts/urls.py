from django.urls import path

from jiliang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
