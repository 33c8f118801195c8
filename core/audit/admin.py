"""Django admin for the audit log: read-only, searchable, filterable."""

from django.contrib import admin

from core.audit.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "org", "user_id", "action", "target", "ip", "request_id")
    list_filter = ("org", "created_at")
    search_fields = ("user_id", "action", "target", "ip", "request_id", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("org",)
    readonly_fields = [field.name for field in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
