"""`manage.py license_keygen`: a development key pair for signing licences."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.editions.issuing import ALGORITHMS, write_key_pair


class Command(BaseCommand):
    help = (
        "Write a licence signing key pair (private key mode 0600). Point LICENSE_PUBLIC_KEY at "
        "the public key; keep the private key off production servers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out-dir",
            default=None,
            help="Directory for the key files (default: DATA_DIR/license-keys).",
        )
        parser.add_argument("--algorithm", choices=ALGORITHMS, default="ed25519")
        parser.add_argument("--force", action="store_true", help="Replace existing key files.")

    def handle(self, *args, **options):
        directory = Path(options["out_dir"] or Path(settings.DATA_DIR) / "license-keys")
        try:
            private_path, public_path = write_key_pair(
                directory, options["algorithm"], overwrite=options["force"]
            )
        except FileExistsError as exc:
            raise CommandError(f"{exc}; pass --force to replace it") from exc
        except OSError as exc:
            raise CommandError(f"Cannot write the key pair: {exc}") from exc
        self.stdout.write(f"private key: {private_path}")
        self.stdout.write(f"public key:  {public_path}")
        self.stdout.write(f"Set LICENSE_PUBLIC_KEY={public_path} to verify licences signed by it.")
