"""Creating a tenant: the organisation, its first admin and its default (local) Docker host.

Used by `manage.py create_organization` and Django admin; `core.setup` makes the default
organisation of AUTH_MODE=key the same way.
"""

import re
from dataclasses import dataclass

from django.db import transaction

from core.accounts.models import Edition, Membership, Organization, Role, User
from core.accounts.passwords import password_problem
from core.hosts.models import DockerHost, HostKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DEFAULT_HOST_SLUG = "local"


class OrganizationError(Exception):
    """A tenant cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    admin: User | None
    host: DockerHost


def add_default_host(org: Organization, docker_host: str) -> DockerHost:
    return DockerHost.objects.create(
        org=org,
        name=DEFAULT_HOST_SLUG,
        slug=DEFAULT_HOST_SLUG,
        kind=HostKind.LOCAL,
        base_url=docker_host,
        is_default=True,
    )


def bootstrap_admin(org: Organization, email: str, password: str) -> User:
    """Make `email` an admin of `org`, creating the user (with `password`) when new."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        problem = password_problem(password, User(email=email))
        if problem:
            raise OrganizationError(f"Admin password refused: {problem}")
        user = User.objects.create_user(email=email, password=password)
    Membership.objects.update_or_create(user=user, org=org, defaults={"role": Role.ADMIN})
    return user


@transaction.atomic
def create_organization(
    *,
    name: str,
    slug: str,
    docker_host: str,
    edition: str = Edition.CE,
    admin_email: str | None = None,
    admin_password: str | None = None,
) -> NewOrganization:
    if not name.strip():
        raise OrganizationError("The organization needs a name")
    if not SLUG.match(slug):
        raise OrganizationError(
            f"Invalid slug {slug!r}: use lower-case letters, digits and dashes (max 64)"
        )
    if edition not in Edition.values:
        raise OrganizationError(
            f"Unknown edition {edition!r}; choose one of {', '.join(Edition.values)}"
        )
    if Organization.objects.filter(slug=slug).exists():
        raise OrganizationError(f"An organization with slug {slug!r} already exists")
    if bool(admin_email) != bool(admin_password):
        raise OrganizationError("Give both an admin e-mail and an admin password, or neither")
    if admin_email and User.objects.filter(email__iexact=admin_email.strip()).exists():
        raise OrganizationError(f"A user with e-mail {admin_email!r} already exists")
    org = Organization.objects.create(name=name.strip(), slug=slug, edition=edition)
    admin = bootstrap_admin(org, admin_email, admin_password) if admin_email else None
    host = add_default_host(org, docker_host)
    return NewOrganization(org, admin, host)
