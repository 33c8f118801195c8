"""Drop an organisation's cached edition whenever the organisation changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.accounts.models import Organization
from core.editions.resolver import invalidate


@receiver(post_save, sender=Organization, dispatch_uid="editions-invalidate-on-save")
@receiver(post_delete, sender=Organization, dispatch_uid="editions-invalidate-on-delete")
def _organization_changed(sender, instance, **kwargs):
    invalidate(instance.pk)
