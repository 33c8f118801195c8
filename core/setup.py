"""First-run set-up shared by `make run`, the tests and Django admin."""

from django.conf import settings
from django.db import transaction

from core.accounts.models import Membership, Organization, User
from core.accounts.organizations import DEFAULT_HOST_SLUG, OrganizationError, bootstrap_admin
from core.hosts.models import DockerHost, HostKind

DEFAULT_ORG_SLUG = "default"


def ensure_runtime_dirs() -> None:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            settings.DATA_DIR.joinpath(options[key]).mkdir(parents=True, exist_ok=True)


@transaction.atomic
def ensure_default_organization(docker_host: str) -> tuple[Organization, DockerHost]:
    """The default organisation and its local host. The host follows DOCKER_HOST when the
    address changed between runs."""
    org, _ = Organization.objects.get_or_create(slug=DEFAULT_ORG_SLUG, defaults={"name": "Default"})
    host, created = DockerHost.objects.get_or_create(
        org=org,
        slug=DEFAULT_HOST_SLUG,
        defaults={
            "name": "local",
            "kind": HostKind.LOCAL,
            "base_url": docker_host,
            "is_default": not org.hosts.filter(is_default=True).exists(),
        },
    )
    if not created and host.kind == HostKind.LOCAL and host.base_url != docker_host:
        host.base_url = docker_host
        host.save(update_fields=["base_url"])
    return org, host


def ensure_first_admin(org: Organization) -> User | None:
    """AUTH_MODE=users: make ADMIN_EMAIL/ADMIN_PASSWORD the first admin of the default
    organisation while it has no user yet. Raises OrganizationError for a refused password."""
    if settings.AUTH_MODE != "users" or not (settings.ADMIN_EMAIL and settings.ADMIN_PASSWORD):
        return None
    if Membership.objects.filter(org=org).exists():
        return None
    return bootstrap_admin(org, settings.ADMIN_EMAIL, settings.ADMIN_PASSWORD)


__all__ = [
    "DEFAULT_HOST_SLUG",
    "DEFAULT_ORG_SLUG",
    "OrganizationError",
    "ensure_default_organization",
    "ensure_first_admin",
    "ensure_runtime_dirs",
]
