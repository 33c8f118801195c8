"""Idempotent first-run set-up: broker folders, the default organisation and its Docker host,
and (AUTH_MODE=users) the first admin from ADMIN_EMAIL/ADMIN_PASSWORD."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.setup import (
    OrganizationError,
    ensure_default_organization,
    ensure_first_admin,
    ensure_runtime_dirs,
)


class Command(BaseCommand):
    help = "Create the default organisation and its default Docker host (safe to run twice)."

    def handle(self, *args, **options):
        ensure_runtime_dirs()
        org, host = ensure_default_organization(docker_host=settings.DOCKER_HOST)
        try:
            admin = ensure_first_admin(org)
        except OrganizationError as exc:
            raise CommandError(f"{exc} (ADMIN_PASSWORD)") from exc
        self.stdout.write(
            json.dumps(
                {
                    "organization": {"slug": org.slug, "name": org.name, "edition": org.edition},
                    "host": {"slug": host.slug, "kind": host.kind, "baseUrl": host.base_url},
                    "admin": {"id": admin.pk, "email": admin.email} if admin else None,
                }
            )
        )
