"""The private-network policy against every SSRF form of spec §14.34/§14.36.

Literals and `localhost` go through the real parser and the system resolver. "A public name that
resolves to a private address" and DNS rebinding are faults real DNS cannot produce on demand
here (no resolver we control, no internet), so those tests inject a resolver function, the same
seam production code calls with `system_resolver`.
"""

import ipaddress
import socket

import pytest

from core.outbound import (
    STRICT,
    BlockedTarget,
    CredentialsInURL,
    InvalidURL,
    Policy,
    ResolutionFailed,
    UnsupportedScheme,
    check_url,
    policy_for_org,
)
from core.outbound.addresses import parse_ipv4_literal
from core.outbound.models import OutboundPolicy
from core.outbound.policy import parse_networks, vet
from core.outbound.resolver import system_resolver
from core.outbound.targets import parse_target

ALLOW_PRIVATE = Policy(allow_private=True)

PRIVATE_TARGETS = [
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://127.1/",
    "http://127.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0X7F000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://10.0.0.1/",
    "http://10.255.255.255:8080/x",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.1.1/",
    "http://169.254.1.1/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://198.18.0.1/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[::10.1.2.3]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456:789a::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:8080/",
    "http://localhost.localdomain/",
    "http://api.localhost/",
    "https://ip6-localhost/",
]

FORBIDDEN_TARGETS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",  # 169.254.169.254 as one number
    "http://0xa9fea9fe/",
    "http://[::ffff:169.254.169.254]/",
    "http://[fd00:ec2::254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.google.internal./",
    "http://0.0.0.0/",
    "http://0/",
    "http://0.0.0.0:8080/",
    "http://[::]/",
    "http://[::ffff:0.0.0.0]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://[ff02::1]/",
    "http://[ff05::1:3]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
]

PUBLIC_TARGETS = [
    "http://93.184.216.34/",
    "https://8.8.8.8./dns",
    "http://1.1.1.1:8443/",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[2002:808:808::1]/",  # 6to4 around a public address
    "http://100.128.0.1/",  # just outside CGNAT
    "http://172.32.0.1/",  # just outside 172.16/12
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS + FORBIDDEN_TARGETS)
def test_private_and_internal_targets_are_refused_by_default(url):
    with pytest.raises(BlockedTarget) as caught:
        check_url(url, STRICT)
    assert caught.value.message == "URL cannot target private/internal addresses"


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_allow_private_admits_private_targets(url):
    check_url(url, ALLOW_PRIVATE)


@pytest.mark.parametrize("url", FORBIDDEN_TARGETS)
def test_metadata_unspecified_multicast_and_reserved_stay_refused_when_private_is_allowed(url):
    with pytest.raises(BlockedTarget):
        check_url(url, ALLOW_PRIVATE)


@pytest.mark.parametrize("url", PUBLIC_TARGETS)
def test_public_literals_pass(url):
    assert check_url(url, STRICT).literal is not None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("10.0.0.1.", "10.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("4294967295", "255.255.255.255"),
    ],
)
def test_every_inet_aton_form_is_read_as_the_address_it_denotes(host, expected):
    assert parse_ipv4_literal(host) == ipaddress.IPv4Address(expected)
    # ...which is what the C library would connect to as well
    assert socket.inet_ntoa(socket.inet_aton(host.rstrip("."))) == expected


def test_a_bare_hex_prefix_reads_as_zero_as_url_parsers_do():
    assert parse_ipv4_literal("0x") == ipaddress.IPv4Address(0)


@pytest.mark.parametrize(
    "host", ["example.com", "1.2.3.4.5", "256.1.1.1", "4294967296", "08.0.0.1", "0xg1", "a.b"]
)
def test_names_and_out_of_range_numbers_are_not_ipv4_literals(host):
    assert parse_ipv4_literal(host) is None


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("not a url", InvalidURL, "Invalid URL"),
        ("", InvalidURL, "Invalid URL"),
        (None, InvalidURL, "Invalid URL"),
        (42, InvalidURL, "Invalid URL"),
        ("http://", InvalidURL, "Invalid URL"),
        ("http://exa mple.com/", InvalidURL, "Invalid URL"),
        ("http://example.com/\r\nX-Injected: 1", InvalidURL, "Invalid URL"),
        ("http://example.com:99999/", InvalidURL, "Invalid URL"),
        ("http://example.com:0/", InvalidURL, "Invalid URL"),
        ("http://[::1/", InvalidURL, "Invalid URL"),
        ("http://" + "a" * 2050 + ".com/", InvalidURL, "Invalid URL"),
        ("ftp://example.com/", UnsupportedScheme, "URL must be http or https"),
        ("file:///etc/passwd", UnsupportedScheme, "URL must be http or https"),
        ("gopher://example.com:70/", UnsupportedScheme, "URL must be http or https"),
        ("javascript:alert(1)", UnsupportedScheme, "URL must be http or https"),
        ("https://user:pw@example.com/", CredentialsInURL, None),
    ],
)
def test_malformed_urls(url, error, message):
    with pytest.raises(error) as caught:
        parse_target(url)
    if message:
        assert caught.value.message == message


def test_real_resolution_of_localhost_is_judged_by_its_addresses():
    target = parse_target("http://localhost:8080/")
    addresses = vet(target, ALLOW_PRIVATE, system_resolver, 5)
    assert addresses
    assert all(address.is_loopback for address in addresses)


def test_real_resolution_of_this_machines_name_is_refused():
    """The machine's own name resolves (through /etc/hosts or DNS) to addresses of this host,
    never public ones in this environment: the real resolver plus the policy refuse it."""
    name = socket.gethostname()
    addresses = [ipaddress.ip_address(a) for a in system_resolver(name, 80, 5)]
    if any(address.is_global for address in addresses):
        pytest.skip(f"{name} resolves to a public address here")
    with pytest.raises(BlockedTarget):
        vet(parse_target(f"http://{name}/"), STRICT, system_resolver, 5)


def test_unresolvable_name_fails_resolution():
    with pytest.raises(ResolutionFailed) as caught:
        system_resolver("no-such-host.invalid", 80, 5)
    assert caught.value.message == "DNS resolution failed for no-such-host.invalid"
    assert caught.value.retryable


def resolver_for(*answers):
    calls = []

    def resolve(host, port, timeout):
        calls.append(host)
        return list(answers)

    resolve.calls = calls
    return resolve


@pytest.mark.parametrize(
    "answers",
    [
        ["10.1.2.3"],
        ["93.184.216.34", "10.0.0.5"],  # one private answer among public ones is enough
        ["::ffff:192.168.0.1"],
        ["fd00::1"],
        ["2606:4700::1111", "::1"],
        ["169.254.169.254"],
    ],
)
def test_a_public_name_resolving_to_a_private_address_is_refused(answers):
    resolver = resolver_for(*answers)
    target = parse_target("https://hooks.example.test/in")
    with pytest.raises(BlockedTarget):
        vet(target, STRICT, resolver, 5)
    with pytest.raises(BlockedTarget):
        check_url("https://hooks.example.test/in", STRICT, resolver=resolver)


def test_a_public_name_resolving_to_public_addresses_passes():
    resolver = resolver_for("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946")
    addresses = vet(parse_target("https://hooks.example.test/"), STRICT, resolver, 5)
    assert [str(address) for address in addresses] == [
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
    ]


def test_a_name_that_does_not_resolve_yet_is_accepted_when_saved():
    def failing(host, port, timeout):
        raise ResolutionFailed(host)

    assert check_url("https://later.example.test/", STRICT, resolver=failing).host == (
        "later.example.test"
    )


def test_allowed_networks_admit_only_the_listed_private_ranges():
    policy = Policy(allowed_networks=parse_networks("10.0.5.0/24, fd00:1::/64"))
    check_url("http://10.0.5.7/", policy)
    check_url("http://[::ffff:10.0.5.7]/", policy)
    check_url("http://[fd00:1::9]/", policy)
    for url in ("http://10.0.6.1/", "http://127.0.0.1/", "http://[fd00:2::1]/"):
        with pytest.raises(BlockedTarget):
            check_url(url, policy)


def test_allowed_networks_never_open_the_metadata_endpoint():
    policy = Policy(allowed_networks=parse_networks("169.254.0.0/16\n0.0.0.0/0"))
    with pytest.raises(BlockedTarget):
        check_url("http://169.254.169.254/", policy)


def test_invalid_networks_are_reported():
    with pytest.raises(ValueError, match="not a network"):
        parse_networks("10.0.0.0/33")


@pytest.mark.django_db
def test_the_org_policy_comes_from_its_row_else_from_the_environment(settings):
    from core.accounts.models import Organization

    org = Organization.objects.create(name="Outbound", slug="outbound-policy")
    assert policy_for_org(org.id) == Policy(allow_private=False)
    settings.OUTBOUND_ALLOW_PRIVATE = True
    assert policy_for_org(org.id).allow_private is True
    OutboundPolicy.objects.create(org=org, allow_private=False, allowed_networks="10.9.0.0/16")
    policy = policy_for_org(org.id)
    assert policy.allow_private is False
    assert policy.allowed_networks == (ipaddress.ip_network("10.9.0.0/16"),)
