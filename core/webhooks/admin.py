"""Django admin for webhooks (secrets and header values are not shown) and their log."""

from django.contrib import admin

from core.webhooks.models import Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "enabled", "created_at")
    list_filter = ("enabled", "org")
    search_fields = ("name", "org__name")
    list_select_related = ("org",)
    exclude = ("secret", "headers")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "webhook", "event", "attempt", "success", "status_code")
    list_filter = ("success", "event")
    list_select_related = ("webhook",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
