"""Django admin: platform staff decide which organisations may reach private addresses."""

from django.contrib import admin

from core.outbound.models import OutboundPolicy


@admin.register(OutboundPolicy)
class OutboundPolicyAdmin(admin.ModelAdmin):
    list_display = ("org", "allow_private", "allowed_networks", "updated_at")
    list_filter = ("allow_private",)
    search_fields = ("org__name", "org__slug")
    list_select_related = ("org",)
    readonly_fields = ("updated_at",)
