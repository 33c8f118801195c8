"""`manage.py create_organization --name … --slug … [--edition …] [--admin-email …
--admin-password …]`: a new tenant with its first admin and default local host, as JSON."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.accounts.models import Edition
from core.accounts.organizations import OrganizationError, create_organization


class Command(BaseCommand):
    help = "Create an organisation (tenant) with its first admin and its default Docker host."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--edition", default=Edition.CE, choices=Edition.values)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-password")

    def handle(self, *args, **options):
        try:
            created = create_organization(
                name=options["name"],
                slug=options["slug"],
                edition=options["edition"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                docker_host=settings.DOCKER_HOST,
            )
        except OrganizationError as exc:
            raise CommandError(str(exc)) from exc
        org, admin, host = created.organization, created.admin, created.host
        self.stdout.write(
            json.dumps(
                {
                    "organization": {
                        "id": org.pk,
                        "slug": org.slug,
                        "name": org.name,
                        "edition": org.edition,
                    },
                    "admin": {"id": admin.pk, "email": admin.email} if admin else None,
                    "host": {"id": host.pk, "slug": host.slug},
                }
            )
        )
