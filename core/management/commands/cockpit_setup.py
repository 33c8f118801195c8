"""Idempotent first-run set-up: broker folders, the default organisation and its Docker host."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from core.setup import ensure_default_organization, ensure_runtime_dirs


class Command(BaseCommand):
    help = "Create the default organisation and its default Docker host (safe to run twice)."

    def handle(self, *args, **options):
        ensure_runtime_dirs()
        org, host = ensure_default_organization(docker_host=settings.DOCKER_HOST)
        self.stdout.write(
            json.dumps(
                {
                    "organization": {"slug": org.slug, "name": org.name, "edition": org.edition},
                    "host": {"slug": host.slug, "kind": host.kind, "baseUrl": host.base_url},
                }
            )
        )
