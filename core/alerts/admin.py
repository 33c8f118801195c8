"""Django admin for alert rules (edits through the form bypass the API's checks, so keep to
viewing and toggling) and events (read only)."""

from django.contrib import admin

from core.alerts.models import AlertEvent, AlertRule, AlertState
from core.alerts.services import drop_states


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "host", "metric", "operator", "threshold", "severity",
                    "enabled")  # fmt: skip
    list_filter = ("enabled", "severity", "metric")
    search_fields = ("name", "org__name")
    list_select_related = ("org", "host")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"metric", "operator", "host", "enabled"} & set(form.changed_data):
            drop_states(obj)


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    list_display = ("rule", "host", "triggered_at", "notified_at", "last_value")
    list_select_related = ("rule", "host")
    readonly_fields = [field.name for field in AlertState._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "org", "rule_name", "host_name", "severity", "kind",
                    "acknowledged_at")  # fmt: skip
    list_filter = ("severity", "kind")
    search_fields = ("rule_name", "message", "org__name")
    list_select_related = ("org",)
    readonly_fields = [field.name for field in AlertEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
