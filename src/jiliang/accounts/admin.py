"""Back-office pages (Django admin, in Chinese). Every admin write is audited like a service write."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from jiliang.accounts import audit
from jiliang.accounts.models import ApiToken, AuditEvent, Division, User


class AuditedAdmin(admin.ModelAdmin):
    """Records before/after of every add, change and delete made in the admin (already atomic)."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit.record(request.user, f"admin.{'change' if change else 'create'}", obj,
                     before=before, after=audit.snapshot(obj), division=getattr(obj, "division", None))

    def delete_model(self, request, obj):
        before = audit.snapshot(obj)
        audit.record(request.user, "admin.delete", obj, before=before, division=getattr(obj, "division", None))
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
    list_display = ("username", "display_name", "role", "division", "organization", "institution", "is_active")
    list_filter = ("role", "is_active", "division")
    search_fields = ("username", "display_name")
    autocomplete_fields = ("organization", "institution")
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("角色与管辖"), {"fields": ("display_name", "role", "division", "organization", "institution", "phone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    exclude = ("digest",)

    def has_add_permission(self, request):
        return False  # tokens are issued by their owner, who alone sees the raw value once


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited, not even by a superuser."""

    list_display = ("at", "actor_name", "actor_role", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type", "actor_role")
    search_fields = ("actor_name", "object_id", "object_repr")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
