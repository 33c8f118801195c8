"""`manage.py rotate_integration_keys [--dry-run]`: re-encrypt every integration config, and
every tcp host's TLS material (core.hosts.tls), with the first key of INTEGRATIONS_KEY (after
putting a new key first and keeping the old ones after it). `--generate-key` prints a fresh
key and changes nothing.

Prints the integrations' counts as before, plus `hosts`: {"rotated", "undecryptable"}."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.hosts import tls
from core.integrations.crypto import generate_key, rotate_all


class Command(BaseCommand):
    help = "Re-encrypt integration configs and hosts' TLS material with the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--generate-key", action="store_true", help="Print a new key and exit.")

    def handle(self, *args, **options):
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        result = rotate_all(dry_run=options["dry_run"])
        result["hosts"] = tls.rotate_all(dry_run=options["dry_run"])
        self.stdout.write(json.dumps(result))
        stuck = [
            f"{len(ids)} {what}"
            for what, ids in (
                ("integration config(s)", result["undecryptable"]),
                ("host TLS material(s)", result["hosts"]["undecryptable"]),
            )
            if ids
        ]
        if stuck:
            raise CommandError(
                f"{' and '.join(stuck)} could not be decrypted with any configured key; "
                "add the key they were written with to INTEGRATIONS_KEY"
            )
