from django.contrib import admin

from jiliang.accounts.admin import AuditedAdmin, ReadOnlyAdmin
from jiliang.registry.models import Instrument, InstrumentType, Organization, Site


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "uscc", "division", "industry", "status")
    list_filter = ("status", "division")
    search_fields = ("name", "uscc")



class ServiceOnlyAdmin(ReadOnlyAdmin):
    """Read-only here: these rows change through the registry's services, which keep the copies
    other rows hold (an instrument's division and mandatory flag) and the status history true."""


@admin.register(InstrumentType)
class InstrumentTypeAdmin(ServiceOnlyAdmin):
    list_display = ("code", "name_zh", "verification_mode", "verification_interval_months", "mandatory", "confidence")
    list_filter = ("verification_mode", "mandatory")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Site)
class SiteAdmin(ServiceOnlyAdmin):
    list_display = ("name", "kind", "organization", "division")
    list_filter = ("kind",)
    search_fields = ("name", "address")


@admin.register(Instrument)
class InstrumentAdmin(ServiceOnlyAdmin):
    list_display = ("public_code", "type", "serial_no", "manufacturer", "owner", "status")
    list_filter = ("status", "mandatory", "type")
    search_fields = ("public_code", "serial_no")
    list_select_related = ("type", "owner")
    show_full_result_count = False
