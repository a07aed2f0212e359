from django.contrib import admin

from jiliang.accounts.admin import AuditedAdmin
from jiliang.registry.models import Organization


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "uscc", "division", "industry", "status")
    list_filter = ("status", "division")
    search_fields = ("name", "uscc")
