"""Writing an organisation's Docker hosts. Exactly one host of an organisation is its default:
the first host becomes it, making another host default takes the flag over, and the default
can be neither deleted nor simply un-defaulted."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from rest_framework import exceptions

from core.containers import host_cache
from core.docker import clients
from core.editions.gates import enforce_limit
from core.hosts.errors import DefaultHostRequired, DefaultHostUndeletable, SlugTaken
from core.hosts.models import DockerHost, HostKind
from core.hosts.selectors import get_host, hosts_of
from core.hosts.tls import check_material, seal

TLS_FIELDS = ("tls_ca", "tls_cert", "tls_key")

BASE_URL_SCHEMES = {
    HostKind.LOCAL: ("unix://",),
    HostKind.TCP: ("tcp://", "https://"),
}


def check_base_url(kind: str, base_url: str) -> None:
    """A local host names a unix socket, a tcp host a TLS endpoint; an agent host has no
    address (its agent reaches the control plane, not the other way round)."""
    if kind == HostKind.AGENT:
        if base_url:
            raise exceptions.ValidationError({"baseUrl": "must be empty for an agent host"})
        return
    schemes = BASE_URL_SCHEMES[kind]
    if not base_url.startswith(schemes) or len(base_url) <= len(base_url.split("://")[0]) + 3:
        raise exceptions.ValidationError(
            {"baseUrl": f"must start with {' or '.join(schemes)} for a {kind} host"}
        )


def _slug_for(name: str, slug: str | None) -> str:
    slug = slug or slugify(name)[:64]
    if not slug:
        raise exceptions.ValidationError({"slug": "cannot be derived from the name; give one"})
    return slug


def apply_tls(host: DockerHost, changes: dict, *, required: bool) -> None:
    """A tcp host speaks TLS with its client certificate, key and CA: all three, checked,
    then sealed. `required` when the host becomes a tcp host; a tcp row saved before TLS
    material existed keeps working until its material is given. Other kinds keep none."""
    given = {field: changes[field] for field in TLS_FIELDS if field in changes}
    if host.kind != HostKind.TCP:
        if given:
            raise exceptions.ValidationError({"tlsCert": "only a tcp host takes TLS material"})
        host.tls_material = ""
        return
    if given or required:
        material = check_material(
            given.get("tls_ca", ""), given.get("tls_cert", ""), given.get("tls_key", "")
        )
        host.tls_material = seal(material)


@transaction.atomic
def create_host(
    org_id: int, *, name, kind, base_url="", slug=None, is_default=False, tls: dict | None = None
):
    enforce_limit(org_id, "servers", hosts_of(org_id).count())
    check_base_url(kind, base_url)
    host = DockerHost(
        org_id=org_id, name=name, slug=_slug_for(name, slug), kind=kind, base_url=base_url
    )
    apply_tls(host, tls or {}, required=True)
    is_default = is_default or not hosts_of(org_id).filter(is_default=True).exists()
    _save_new(host)
    if is_default:
        make_default(host)
    return host


def _save_new(host: DockerHost) -> None:
    if hosts_of(host.org_id).filter(slug=host.slug).exclude(pk=host.pk).exists():
        raise SlugTaken()
    try:
        with transaction.atomic():
            host.save()
    except IntegrityError as exc:  # a concurrent create took the slug
        raise SlugTaken() from exc


@transaction.atomic
def update_host(org_id: int, host_id: int, changes: dict) -> DockerHost:
    """`changes` uses model field names; absent fields are kept."""
    host = get_host(org_id, host_id, for_update=True)
    if changes.get("is_default") is False and host.is_default:
        raise DefaultHostRequired()
    became_tcp = changes.get("kind", host.kind) == HostKind.TCP and host.kind != HostKind.TCP
    reached_at = (host.base_url, host.tls_material)
    for field in ("name", "slug", "kind", "base_url"):
        if field in changes:
            setattr(host, field, changes[field])
    check_base_url(host.kind, host.base_url)
    apply_tls(host, changes, required=became_tcp)
    _save_new(host)
    if (host.base_url, host.tls_material) != reached_at and reached_at[0]:
        # The pooled client of the old address (or identity) is of no further use.
        transaction.on_commit(lambda: clients.forget(reached_at[0]))
    if changes.get("is_default") and not host.is_default:
        make_default(host)
    return host


def make_default(host: DockerHost) -> None:
    # Clear the old default first: at most one default per organisation is a DB constraint.
    hosts_of(host.org_id).filter(is_default=True).exclude(pk=host.pk).update(is_default=False)
    DockerHost.objects.filter(pk=host.pk).update(is_default=True)
    host.is_default = True
    # Bulk updates send no post_save: the remembered "default host" lookups must go now, and
    # again at commit in case another thread remembered the old default in between.
    host_cache.forget()
    transaction.on_commit(host_cache.forget)


@transaction.atomic
def delete_host(org_id: int, host_id: int) -> None:
    host = get_host(org_id, host_id, for_update=True)
    if host.is_default:
        raise DefaultHostUndeletable()
    host.delete()
