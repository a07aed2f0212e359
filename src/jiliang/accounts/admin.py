"""Back-office pages (Django admin, in Chinese). Every admin write is audited like a service write."""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiliang.accounts import audit, services
from jiliang.accounts.models import ApiToken, AuditEvent, Division, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here: the rows change elsewhere (a service, a sign-in)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Records before/after of every add, change and delete made in the admin (already atomic)."""

    delete_action = "admin.delete"

    def audit_division(self, obj):
        """The division the row belongs to, so that the officers of that division see the event."""
        return getattr(obj, "division", None)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit.record(request.user, f"admin.{'change' if change else 'create'}", obj,
                     before=before, after=audit.snapshot(obj), division=self.audit_division(obj))

    def delete_model(self, request, obj):
        before = audit.snapshot(obj)
        audit.record(request.user, self.delete_action, obj, before=before, division=self.audit_division(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("path",)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "division", "organization", "institution", "department",
                    "is_active")
    list_filter = ("role", "is_active", "division")
    search_fields = ("username", "display_name")
    autocomplete_fields = ("organization", "institution")
    readonly_fields = ("password_changed_at",)
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("角色与管辖"), {"fields": ("display_name", "role", "division", "organization", "institution", "department",
                                       "phone")}),
        (_("登录安全"), {"fields": ("must_change_password", "password_changed_at")}),
    )
    actions = ["reset_second_factor"]

    @admin.action(description=_("重置所选用户的双因素认证(手机丢失时)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.reset_second_factor(request.user, user)

    def save_model(self, request, obj, form, change):
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            services.revoke_all_api_tokens(request.user, obj, "deactivated")

    def user_change_password(self, request, id, form_url=""):
        """Django's password form, plus what a reset means here: audited, tokens revoked, and the
        user must choose a new password at the next sign-in."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                services.password_was_reset(request.user, User.objects.get(pk=id))
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Read-only apart from revoking: a revoked token can never be revived."""

    list_display = ("name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are issued by their owner, who alone sees the raw value once

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(request.user, token)


class SecondFactorAdmin(ReadOnlyAdmin):
    """Who has a second factor, read-only: no key is ever shown, and removing one is the audited
    "reset" action on the user (registered before django-otp's own admin, which then stands aside)."""

    list_display = ("user", "name", "confirmed")
    fields = ("user", "name", "confirmed")
    search_fields = ("user__username",)


admin.site.register(TOTPDevice, SecondFactorAdmin)
admin.site.register(StaticDevice, SecondFactorAdmin)
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AuditedAdmin, AxesAccessAttemptAdmin):
    """Deleting a row lifts a lock-out, which the audit log records under the user's division."""

    delete_action = "login.unlock"

    def audit_division(self, obj):
        return Division.objects.filter(users__username=obj.username).first()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is never edited, not even by a superuser."""

    list_display = ("at", "actor_name", "actor_role", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type", "actor_role")
    search_fields = ("actor_name", "object_id", "object_repr")
    date_hierarchy = "at"
