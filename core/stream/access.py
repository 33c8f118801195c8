"""Whether the principals behind open streams may still watch their organisation.

A stream lives at most until its access token expires; before that it closes when its user
leaves the organisation or is deactivated, or its API key is revoked. Those changes publish a
revocation at once (signals below); the hub also re-checks every open principal periodically
(two queries for all streams of the process), which catches anything the signals missed.
"""

import json

from django.db import close_old_connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.accounts import credentials
from core.accounts.models import ApiKey, Membership, User
from core.accounts.principal import API_KEY_SUBJECT_PREFIX, Principal, PrincipalKind


def revocation_json(subject: str) -> str:
    return json.dumps({"subject": subject})


def revoked_subject(data_json: str) -> str | None:
    try:
        return json.loads(data_json).get("subject")
    except (ValueError, AttributeError):
        return None


def without_access(principals: set[Principal]) -> set[Principal]:
    """The principals among these that lost access to their organisation."""
    close_old_connections()
    users = {(p.user_id, p.org_id) for p in principals if p.kind == PrincipalKind.USER}
    keys = {p.api_key_id for p in principals if p.kind == PrincipalKind.API_KEY}
    members = set()
    if users:
        members = set(
            Membership.objects.filter(
                user_id__in={user_id for user_id, _ in users}, user__is_active=True
            ).values_list("user_id", "org_id")
        )
    live_keys = set()
    if keys:
        live_keys = set(
            ApiKey.objects.filter(pk__in=keys, revoked_at__isnull=True).values_list("pk", "org_id")
        )
    shared_ok = credentials.shared_key_enabled()
    lost = set()
    for principal in principals:
        if principal.kind == PrincipalKind.USER:
            allowed = (principal.user_id, principal.org_id) in members
        elif principal.kind == PrincipalKind.API_KEY:
            allowed = (principal.api_key_id, principal.org_id) in live_keys
        else:
            allowed = shared_ok
        if not allowed:
            lost.add(principal)
    return lost


def _revoke_on_commit(org_id: int | None, subject: str) -> None:
    from core.stream.publish import revoke_streams

    transaction.on_commit(lambda: revoke_streams(org_id, subject))


@receiver(post_delete, sender=Membership, dispatch_uid="stream-membership-deleted")
def _membership_deleted(sender, instance, **kwargs):
    _revoke_on_commit(instance.org_id, str(instance.user_id))


@receiver(post_save, sender=User, dispatch_uid="stream-user-saved")
def _user_saved(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        _revoke_on_commit(None, str(instance.pk))


@receiver(post_save, sender=ApiKey, dispatch_uid="stream-api-key-saved")
def _api_key_saved(sender, instance, created, **kwargs):
    if instance.revoked_at is not None:
        _revoke_on_commit(instance.org_id, f"{API_KEY_SUBJECT_PREFIX}{instance.pk}")
