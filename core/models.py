"""Django looks for models here; each domain keeps its own in its package."""

from core.accounts.models import Membership, Organization, User
from core.hosts.models import DockerHost

__all__ = ["DockerHost", "Membership", "Organization", "User"]
