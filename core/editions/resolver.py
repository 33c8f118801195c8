"""The edition an organisation has right now: `edition_for(org)`.

An organisation starts from the edition platform staff assigned it (`Organization.edition`,
default CE). A valid licence raises it: the organisation's own `license` field when set, else
the deployment licence (LICENSE_KEY or DATA_DIR/license.key) when its `org` claim names this
organisation, or names no organisation and this is the default one. A licence that fails
verification, or expired more than 14 days ago, grants nothing (logged, never with its text).

What a licence grants does not change while it and the organisation stay the same, so it is
cached per organisation in the shared cache and dropped when the organisation is saved
(see `invalidate`); expiry and grace are computed on every read, so the cache never serves a
stale grace state.
"""

import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from core.accounts.models import Edition, Organization
from core.editions import license as licensing
from core.editions.registry import (
    RANK,
    default_limits,
    features_for,
    is_edition,
    is_feature,
    metrics_retention_days,
)
from core.setup import DEFAULT_ORG_SLUG

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 3600


@dataclass(frozen=True)
class EditionState:
    """An organisation's edition, features and limits at one moment."""

    edition: str
    features: tuple[str, ...]
    limits: dict = field(default_factory=dict)
    org: str | None = None  # the licence's `org` claim
    customer: str | None = None  # the licence's `sub` claim
    expires_at: datetime | None = None
    grace_mode: bool = False
    grace_days_left: int | None = None

    def has(self, feature: str) -> bool:
        return is_feature(feature) and feature in self.features

    def limit(self, resource: str) -> int | None:
        """The maximum count of a resource; None is unlimited."""
        value = self.limits.get(resource)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value) or value < 0:
            return None
        return int(value)

    @property
    def metrics_retention_days(self) -> int | float:
        return metrics_retention_days(self.edition, self.limits)


@dataclass(frozen=True)
class Entitlement:
    """What is cached per organisation: its assigned edition and the licence that applies."""

    assigned: str
    license: licensing.License | None


def _assigned_state(edition: str) -> EditionState:
    return EditionState(
        edition=edition, features=tuple(features_for(edition)), limits=default_limits(edition)
    )


def state_at(entitlement: Entitlement, now: datetime) -> EditionState:
    """The edition an entitlement grants at `now`: the licence's while it (or its grace) lasts
    and it is not below the assigned edition, else the assigned edition's defaults."""
    assigned = entitlement.assigned if is_edition(entitlement.assigned) else Edition.CE
    granted = entitlement.license
    if granted is None or RANK[granted.edition] < RANK[assigned]:
        return _assigned_state(assigned)
    standing = licensing.standing(granted, now)
    if not standing.active:
        return _assigned_state(assigned)
    features = granted.features if granted.features is not None else features_for(granted.edition)
    limits = granted.limits if granted.limits is not None else default_limits(granted.edition)
    return EditionState(
        edition=granted.edition,
        features=tuple(features),
        limits=dict(limits),
        org=granted.org,
        customer=granted.customer,
        expires_at=granted.expires_at,
        grace_mode=standing.grace_mode,
        grace_days_left=standing.grace_days_left,
    )


# --- The licence sources ------------------------------------------------------------------


def _file_stamp(path: Path) -> str:
    """Identifies one version of a file: mtime and size."""
    try:
        stat = path.stat()
    except OSError:
        return "-"
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def _sources_fingerprint() -> str:
    """Changes whenever the deployment licence or the public key may have changed, so a cached
    entitlement made from older ones is not used (a new licence file needs no restart)."""
    key_setting = settings.LICENSE_PUBLIC_KEY
    parts = [
        settings.LICENSE_KEY,
        key_setting,
        "" if settings.LICENSE_KEY.strip() else _file_stamp(licensing.license_file()),
        str(licensing.license_file()),
        "" if licensing.PEM_MARKER in key_setting else _file_stamp(Path(key_setting.strip())),
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _verified(text: str, source: str) -> licensing.License | None:
    """The licence's claims, or None (with a log line) when it does not verify."""
    try:
        public_key = licensing.load_public_key(settings.LICENSE_PUBLIC_KEY)
        granted = licensing.verify(text, public_key)
    except licensing.LicenseError as exc:
        log.warning("Licence of %s ignored: %s; falling back to the assigned edition", source, exc)
        return None
    if licensing.standing(granted, datetime.now(UTC)).active is False:
        log.warning(
            "Licence of %s expired on %s, beyond the %d-day grace; using the assigned edition",
            source,
            granted.expires_at.date().isoformat(),
            licensing.GRACE_PERIOD.days,
        )
    return granted


_installation_memo: dict[str, licensing.License | None] = {}


def _installation_license(fingerprint: str) -> licensing.License | None:
    """The deployment licence, verified once per process for each fingerprint."""
    if fingerprint not in _installation_memo:
        text = licensing.installation_license_text()
        _installation_memo.clear()
        _installation_memo[fingerprint] = _verified(text, "the installation") if text else None
    return _installation_memo[fingerprint]


def _installation_license_applies(granted: licensing.License, org: Organization) -> bool:
    if granted.org == org.slug:
        return True
    if org.slug != DEFAULT_ORG_SLUG:
        return False
    return not granted.org or not Organization.objects.filter(slug=granted.org).exists()


def entitlement_of(org: Organization, fingerprint: str | None = None) -> Entitlement:
    """Work out, without the cache, which licence applies to the organisation."""
    if org.license.strip():
        granted = _verified(org.license, f"organisation {org.slug}")
    else:
        installation = _installation_license(fingerprint or _sources_fingerprint())
        applies = installation is not None and _installation_license_applies(installation, org)
        granted = installation if applies else None
    return Entitlement(assigned=org.edition, license=granted)


# --- Cached lookup --------------------------------------------------------------------------


def _cache_key(org_id: int) -> str:
    return f"cockpit:edition:v1:{org_id}"


def _cached_entitlement(org: Organization | int) -> Entitlement:
    org_id = org if isinstance(org, int) else org.pk
    fingerprint = _sources_fingerprint()
    key = _cache_key(org_id)
    try:
        cached = cache.get(key)
    except Exception:  # the cache is an optimisation; a broken one must not lock anyone out
        log.warning("Edition cache unavailable; resolving without it", exc_info=True)
        cached = None
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == fingerprint:
        return cached[1]
    if isinstance(org, int):
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:  # a token outliving its organisation gets the lowest edition
            return Entitlement(assigned=Edition.CE, license=None)
    entitlement = entitlement_of(org, fingerprint)
    try:
        cache.set(key, (fingerprint, entitlement), CACHE_TTL_SECONDS)
    except Exception:
        log.warning("Edition cache unavailable; not caching", exc_info=True)
    return entitlement


def edition_for(org: Organization | int, now: datetime | None = None) -> EditionState:
    """The organisation's edition, features and limits now. `org` is an Organization or its
    id (a principal's `org_id`); the answer usually comes from the cache, without a query."""
    return state_at(_cached_entitlement(org), now or datetime.now(UTC))


def invalidate(org_id: int | None = None) -> None:
    """Forget cached entitlements: the organisation's, plus the default organisation's, whose
    licence may move when another organisation's slug starts or stops matching it."""
    keys = [_cache_key(org_id)] if org_id is not None else []
    default_id = Organization.objects.filter(slug=DEFAULT_ORG_SLUG).values_list("pk", flat=True)
    keys += [_cache_key(pk) for pk in default_id]
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("Edition cache unavailable; entries expire on their own", exc_info=True)
