"""The per-organisation outbound policy: whether webhooks, integrations and probes of this
organisation may reach private addresses (in-cluster receivers such as http://prometheus:9090).

Platform staff set it in Django admin, not tenant admins through the API: the private network
behind a control plane belongs to whoever runs it, and a tenant that could open it could probe
it. An organisation without a row gets the environment defaults OUTBOUND_ALLOW_PRIVATE (false)
and OUTBOUND_ALLOWED_NETWORKS (empty).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.accounts.models import Organization


class OutboundPolicy(models.Model):
    org = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="outbound_policy"
    )
    allow_private = models.BooleanField(
        default=False,
        help_text="Allow every private target (loopback, RFC 1918, link-local, CGNAT, fc00::/7). "
        "Cloud metadata, multicast and unspecified addresses stay refused.",
    )
    allowed_networks = models.TextField(
        blank=True,
        help_text="Private networks allowed even when the box above is off, as CIDRs separated "
        "by commas or new lines, e.g. 10.0.5.0/24 for one in-cluster receiver.",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "outbound policy"
        verbose_name_plural = "outbound policies"

    def __str__(self) -> str:
        return f"Outbound policy of {self.org}"

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self):
        from core.outbound.policy import parse_networks

        try:
            parse_networks(self.allowed_networks)
        except ValueError as exc:
            raise ValidationError({"allowed_networks": str(exc)}) from exc
