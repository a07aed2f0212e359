from django.urls import path

from jiliang.accounts import sign_in_views, views

app_name = "accounts"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("security/", sign_in_views.security, name="security"),
    path("security/two-factor/", sign_in_views.two_factor, name="two-factor"),
    path("security/two-factor/setup/", sign_in_views.two_factor_setup, name="two-factor-setup"),
    path("security/recovery-codes/", sign_in_views.renew_recovery_codes, name="recovery-codes"),
    path("security/password/", sign_in_views.password_change, name="password-change"),
]
