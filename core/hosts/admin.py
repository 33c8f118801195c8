"""Django admin for Docker hosts: writes go through core.hosts.services, so the admin checks
and stores exactly what the API does (a tcp host's CA, client certificate and key are checked,
then sealed; they are write-only here as there)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from rest_framework import exceptions

from core.editions.gates import enforce_limit
from core.hosts import services
from core.hosts.errors import DefaultHostRequired, SlugTaken
from core.hosts.models import DockerHost, HostKind
from core.hosts.selectors import hosts_of

# The API's field names, as the form calls them.
FORM_FIELDS = {"baseUrl": "base_url", "tlsCa": "tls_ca", "tlsCert": "tls_cert",
               "tlsKey": "tls_key", "slug": "slug", "name": "name", "kind": "kind"}  # fmt: skip
EDITABLE = ("name", "slug", "kind", "base_url", "is_default")


class WriteOnlyTextarea(forms.Textarea):
    """Never renders a value: neither the stored material nor what was typed into a form that
    came back with errors."""

    def format_value(self, value):
        return None


def _tls_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,  # stored exactly as given, as through the API
        widget=WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text="PEM text, tcp hosts only. Stored encrypted and never shown again; "
        "leave all three empty to keep the stored material.",
    )


def _form_error(exc: exceptions.APIException) -> ValidationError:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError) and isinstance(detail, dict):
        return ValidationError(
            {
                FORM_FIELDS.get(name, NON_FIELD_ERRORS): str(
                    message[0] if isinstance(message, list) else message
                )
                for name, message in detail.items()
            }
        )
    if isinstance(detail, dict) and "error" in detail:  # e.g. the edition's host limit (402)
        return ValidationError(str(detail["error"]))
    return ValidationError(str(detail))


class DockerHostForm(forms.ModelForm):
    tls_ca = _tls_field("TLS CA certificate")
    tls_cert = _tls_field("TLS client certificate")
    tls_key = _tls_field("TLS client key")

    class Meta:
        model = DockerHost
        fields = ("org", "name", "slug", "kind", "base_url", "is_default")

    def _get_validation_exclusions(self):
        # The one-default-per-organisation constraint is kept by handing the flag over on
        # save (services.make_default), not by refusing the form.
        return {*super()._get_validation_exclusions(), "is_default"}

    def tls_given(self) -> dict:
        return {name: self.cleaned_data[name] for name in services.TLS_FIELDS
                if self.cleaned_data.get(name)}  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        stored = self.instance
        kind = cleaned.get("kind") or HostKind.LOCAL
        try:
            services.check_base_url(kind, cleaned.get("base_url", ""))
            # The service's own TLS rules, on a scratch host (the material is sealed on save).
            scratch = DockerHost(kind=kind)
            became_tcp = kind == HostKind.TCP and (stored.pk is None or stored.kind != kind)
            services.apply_tls(scratch, self.tls_given(), required=became_tcp)
            org_id = stored.org_id if stored.pk else getattr(cleaned.get("org"), "pk", None)
            if org_id is None:
                return cleaned
            others = hosts_of(org_id).exclude(pk=stored.pk)
            # The form checks (org, slug) itself only while org is one of its fields (on add).
            if stored.pk and others.filter(slug=cleaned.get("slug")).exists():
                raise exceptions.ValidationError({"slug": SlugTaken.default_detail})
            if stored.pk is None:
                enforce_limit(org_id, "servers", others.count())
            elif stored.is_default and not cleaned.get("is_default"):
                raise DefaultHostRequired()
        except exceptions.APIException as exc:
            raise _form_error(exc) from exc
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

    @admin.display(boolean=True, description="TLS configured")
    def tls_configured(self, obj: DockerHost) -> bool:
        return bool(obj.tls_material)

    def get_readonly_fields(self, request, obj=None):
        # Status comes from samples and heartbeats; a host stays in its organisation.
        runtime = ("status", "last_seen_at", "tls_configured")
        return ("org", *runtime) if obj is not None else runtime

    def save_model(self, request, obj, form, change):
        tls = form.tls_given()
        if change:
            changes = {name: form.cleaned_data[name] for name in EDITABLE
                       if name in form.changed_data}  # fmt: skip
            services.update_host(obj.org_id, obj.pk, changes | tls)
        else:
            saved = services.create_host(
                obj.org_id,
                name=obj.name,
                kind=obj.kind,
                base_url=obj.base_url,
                slug=obj.slug,
                is_default=obj.is_default,
                tls=tls,
            )
            obj.pk = saved.pk
        obj.refresh_from_db()
