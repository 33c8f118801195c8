"""`manage.py issue_license`: sign a licence JWT and print it."""

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.editions.issuing import issue_license, load_private_key
from core.editions.registry import RANK


class Command(BaseCommand):
    help = "Sign a licence with a private key from license_keygen and print the JWT."

    def add_arguments(self, parser):
        parser.add_argument("--private-key", required=True, help="Path of the PEM private key.")
        parser.add_argument("--edition", required=True, choices=list(RANK))
        parser.add_argument("--org", default=None, help="Slug of the organisation it is for.")
        parser.add_argument("--customer", default=None, help="Customer name (the `sub` claim).")
        parser.add_argument(
            "--days", type=float, default=365, help="Validity in days (default 365)."
        )
        parser.add_argument(
            "--limits", default=None, help='JSON object replacing the limits, e.g. {"users": 50}.'
        )
        parser.add_argument(
            "--features", default=None, help="Comma-separated features replacing the defaults."
        )

    def handle(self, *args, **options):
        try:
            private_key = load_private_key(Path(options["private_key"]).read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read the private key: {exc.strerror}") from exc
        except (ValueError, TypeError) as exc:
            raise CommandError(f"Not a usable private key: {exc}") from exc
        days = options["days"]
        if not math.isfinite(days) or days <= 0:
            raise CommandError("--days must be a positive number")
        token = issue_license(
            private_key,
            edition=options["edition"],
            org=options["org"],
            customer=options["customer"],
            days=days,
            limits=_limits(options["limits"]),
            features=_features(options["features"]),
        )
        self.stdout.write(token)


def _limits(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        limits = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--limits is not valid JSON: {exc.msg}") from exc
    valid = isinstance(limits, dict) and all(
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        for value in limits.values()
    )
    if not valid:
        raise CommandError("--limits must be a JSON object of numbers")
    return limits


def _features(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]
