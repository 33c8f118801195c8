"""Django admin for integrations: status and schedule only; the encrypted config is never
shown or edited here (the API validates, redacts and re-encrypts it)."""

from django.contrib import admin
from django.utils import timezone

from core.integrations.models import Integration
from core.integrations.services import first_poll_at


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "adapter",
        "org",
        "enabled",
        "poll_interval",
        "last_status",
        "last_pull",
    )
    list_filter = ("adapter", "enabled", "last_status")
    search_fields = ("name", "org__name")
    list_select_related = ("org",)
    fields = ("org", "adapter", "name", "enabled", "poll_interval", "last_status", "last_error",
              "last_pull", "next_poll_at", "created_at", "updated_at")  # fmt: skip
    readonly_fields = ("org", "adapter", "last_status", "last_error", "last_pull", "next_poll_at",
                       "created_at", "updated_at")  # fmt: skip

    def has_add_permission(self, request):
        return False  # a config is created through the API, which validates and encrypts it

    def save_model(self, request, obj, form, change):
        if {"enabled", "poll_interval"} & set(form.changed_data):
            obj.next_poll_at = first_poll_at(obj, timezone.now())  # seen at the next tick
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
