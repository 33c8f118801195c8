"""Django admin for Docker hosts."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from rest_framework import exceptions

from core.hosts import services
from core.hosts.models import DockerHost


class DockerHostForm(ModelForm):
    class Meta:
        model = DockerHost
        fields = ("org", "name", "slug", "kind", "base_url", "is_default", "status")

    def _get_validation_exclusions(self):
        # The one-default-per-organisation constraint is kept by handing the flag over on
        # save (DockerHostAdmin.save_model), not by refusing the form.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean(self):
        cleaned = super().clean()
        try:
            services.check_base_url(cleaned.get("kind", ""), cleaned.get("base_url", ""))
        except exceptions.ValidationError as exc:
            raise ValidationError({"base_url": str(exc.detail["baseUrl"])}) from exc
        return cleaned


@admin.register(DockerHost)
class DockerHostAdmin(admin.ModelAdmin):
    form = DockerHostForm
    list_display = (
        "name",
        "slug",
        "org",
        "kind",
        "base_url",
        "is_default",
        "status",
        "last_seen_at",
    )
    list_filter = ("kind", "status", "is_default", "org")
    search_fields = ("name", "slug", "base_url", "org__slug", "org__name")
    list_select_related = ("org",)
    autocomplete_fields = ("org",)

    def save_model(self, request, obj, form, change):
        if obj.is_default:
            # One default per organisation (a DB constraint): hand the flag over first.
            DockerHost.objects.filter(org_id=obj.org_id, is_default=True).exclude(pk=obj.pk).update(
                is_default=False
            )
        super().save_model(request, obj, form, change)
