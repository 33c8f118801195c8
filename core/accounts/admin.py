"""Django admin for platform staff: organisations, users, memberships and API keys."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone

from core.accounts import api_keys, credentials
from core.accounts.models import ApiKey, Membership, Organization, User
from core.accounts.organizations import add_default_host
from core.accounts.tokens import sha256_hex


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user", "org")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "edition", "created_at")
    list_filter = ("edition",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        org = form.instance
        if not org.hosts.exists():  # a new tenant gets its default local host, like the CLI
            add_default_host(org, settings.DOCKER_HOST)


class UserCreateForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "memberships__role", "memberships__org")
    search_fields = ("email",)
    ordering = ("email",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "org", "role", "created_at")
    list_filter = ("role", "org")
    search_fields = ("user__email", "org__slug", "org__name")
    autocomplete_fields = ("user", "org")
    list_select_related = ("user", "org")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "org", "prefix", "role", "created_at", "last_used_at", "revoked_at")
    list_filter = ("role", "org", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "org__slug", "org__name")
    list_select_related = ("org",)
    autocomplete_fields = ("org",)
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    fields = ("org", "name", "role", *readonly_fields)
    actions = ["revoke_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        secret, obj.prefix = credentials.generate_api_key()
        obj.secret_hash = sha256_hex(secret)
        obj.created_by = request.user if isinstance(request.user, User) else None
        obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            f"API key created. Copy its secret now, it is not shown again: {secret}",
        )

    @admin.action(description="Revoke the selected API keys")
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_keys.revoke(api_key.org_id, api_key.pk)
        messages.success(request, f"Revoked {queryset.count()} API key(s).")
