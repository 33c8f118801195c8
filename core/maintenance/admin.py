"""Django admin for maintenance mode. Changes made here go through `set_state`, so the cached
flag and the live stream follow."""

from django.contrib import admin

from core.maintenance.models import MaintenanceMode
from core.maintenance.services import set_state


@admin.register(MaintenanceMode)
class MaintenanceModeAdmin(admin.ModelAdmin):
    list_display = ("org", "enabled", "changed_at", "changed_by")
    list_filter = ("enabled",)
    list_select_related = ("org",)
    readonly_fields = ("changed_at", "changed_by")

    def save_model(self, request, obj, form, change):
        set_state(obj.org_id, obj.enabled, f"admin:{request.user.email}")
