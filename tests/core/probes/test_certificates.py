"""`GET /api/ssl` against real TLS servers on 127.0.0.1 with throwaway certificates."""

import pytest

from core.probes import certificates, config
from core.probes.config import parse_domains

pytestmark = pytest.mark.django_db


def check(entry: str, timeout: float = 5) -> dict:
    (domain,) = parse_domains(entry)
    return certificates.check(domain, config.PLATFORM_POLICY, timeout=timeout)


def test_expiry_issuer_and_subject_of_each_domain(auth_client, settings, tls_server):
    fresh = tls_server(days=30.5, common_name="fresh.test", org="Fresh CA")
    expired = tls_server(days=-2.5, common_name="old.test", org="Old CA")
    settings.SSL_DOMAINS = f"127.0.0.1:{fresh.port}, 127.0.0.1:{expired.port}"
    response = auth_client("viewer").get("/api/ssl")
    assert response.status_code == 200
    first, second = response.json()["certificates"]
    assert first == {
        "domain": f"127.0.0.1:{fresh.port}",
        "valid": True,
        "daysRemaining": 30,
        "expiresAt": fresh.not_after.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "issuer": "Fresh CA",
        "subject": "fresh.test",
    }
    assert second["valid"] is False
    assert second["daysRemaining"] == -3  # whole days, rounded down
    assert second["issuer"] == "Old CA"


def test_the_domain_name_is_sent_as_sni(tls_server):
    server = tls_server()
    result = check(f"localhost:{server.port}")
    assert result["valid"] is True
    assert server.server_names == ["localhost"]


def test_an_ip_address_sends_no_sni(tls_server):
    server = tls_server()
    check(f"127.0.0.1:{server.port}")
    assert server.server_names == [None]


def test_refused(closed_port):
    assert check(f"127.0.0.1:{closed_port}") == {
        "domain": f"127.0.0.1:{closed_port}",
        "valid": False,
        "error": "Connection refused",
    }


def test_a_silent_server_times_out(silent_port):
    result = check(f"127.0.0.1:{silent_port}", timeout=0.5)
    assert result == {"domain": f"127.0.0.1:{silent_port}", "valid": False,
                      "error": "Connection timed out"}  # fmt: skip


def test_a_server_that_does_not_speak_tls(http_server):
    port = http_server.rsplit(":", 1)[1]
    result = check(f"127.0.0.1:{port}")
    assert result["valid"] is False
    assert result["error"]


def test_unresolvable_and_invalid_entries():
    unresolvable = check("no-such-host.invalid")
    assert unresolvable["error"] == "DNS resolution failed for no-such-host.invalid"
    assert check("example.com:99999")["error"] == "Invalid port"


def test_no_domains_configured(auth_client, settings):
    settings.SSL_DOMAINS = ""
    assert auth_client("viewer").get("/api/ssl").json() == {"certificates": []}
