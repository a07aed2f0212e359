from django.contrib import admin

from jiliang.accounts.admin import AuditedAdmin
from jiliang.verification.models import Institution


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    list_display = ("name", "uscc", "division")
    search_fields = ("name", "uscc")
