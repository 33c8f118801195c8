"""`fetch` against real servers on 127.0.0.1 (started by each test, in a thread).

Loopback receivers need a policy that admits them: `allow_private`, or an allow-list holding
127.0.0.1/32 only, so that a hop to another loopback address (127.0.0.2) or the metadata
address is still refused. Names that must resolve to 127.0.0.1 use an injected resolver: no DNS
we control here answers `hooks.example.test`.
"""

import socket
import time

import pytest

from core.outbound import (
    STRICT,
    BlockedTarget,
    ConnectionRefused,
    OutboundTimeout,
    Policy,
    RedirectRefused,
    ResolutionFailed,
    ResponseTooLarge,
    TLSError,
    fetch,
)
from core.outbound.policy import parse_networks
from tests.core.outbound.receiver import Receiver, Reply, make_pki

ALLOW_PRIVATE = Policy(allow_private=True)
ONLY_127_0_0_1 = Policy(allowed_networks=parse_networks("127.0.0.1/32"))
NAME = "hooks.example.test"


def resolves_to(*answers):
    calls = []

    def resolve(host, port, timeout):
        calls.append(host)
        return list(answers)

    resolve.calls = calls
    return resolve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_post_reaches_the_receiver_with_body_and_headers():
    with Receiver(Reply(201, b'{"ok":true}')) as receiver:
        response = fetch(
            "POST",
            receiver.url("/in?x=1"),
            policy=ALLOW_PRIVATE,
            headers={"Content-Type": "application/json", "X-Token": "t"},
            body=b'{"a":1}',
        )
    assert response.status == 201
    assert response.ok
    assert response.json() == {"ok": True}
    request = receiver.received[0]
    assert (request.method, request.path, request.body) == ("POST", "/in?x=1", b'{"a":1}')
    assert request.headers["x-token"] == "t"
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert request.headers["user-agent"].startswith("Cockpit/")


def test_loopback_is_refused_when_private_targets_are_not_allowed():
    with Receiver() as receiver:
        with pytest.raises(BlockedTarget):
            fetch("GET", receiver.url(), policy=STRICT)
        with pytest.raises(BlockedTarget):
            fetch("GET", receiver.url(host=NAME), policy=STRICT, resolver=resolves_to("127.0.0.1"))
    assert receiver.received == []


def test_connects_to_the_vetted_address_and_keeps_the_name_in_the_host_header():
    resolver = resolves_to("127.0.0.1")
    with Receiver() as receiver:
        response = fetch("GET", receiver.url(host=NAME), policy=ONLY_127_0_0_1, resolver=resolver)
    assert response.status == 200
    assert receiver.received[0].headers["host"] == f"{NAME}:{receiver.port}"
    assert resolver.calls == [NAME]  # resolved exactly once


def test_dns_rebinding_cannot_redirect_a_vetted_request():
    """A rebinding resolver answers a harmless address when asked first and an internal one
    afterwards. The client resolves once and connects to what it vetted; the next request sees
    the new answer and is refused before connecting."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    calls = []

    def rebinding(host, port, timeout):
        calls.append(host)
        return next(answers)

    with Receiver() as receiver:
        assert fetch("GET", receiver.url(host=NAME), policy=ONLY_127_0_0_1, resolver=rebinding).ok
        assert len(calls) == 1
        with pytest.raises(BlockedTarget):
            fetch("GET", receiver.url(host=NAME), policy=ONLY_127_0_0_1, resolver=rebinding)
    assert len(receiver.received) == 1


def test_an_address_list_with_one_private_entry_is_refused_before_connecting():
    with Receiver() as receiver, pytest.raises(BlockedTarget):
        fetch(
            "GET",
            receiver.url(host=NAME),
            policy=ONLY_127_0_0_1,
            resolver=resolves_to("127.0.0.1", "10.0.0.7"),
        )
    assert receiver.received == []


def test_timeout_bounds_the_whole_exchange():
    with Receiver(Reply(delay=3)) as receiver:
        started = time.monotonic()
        with pytest.raises(OutboundTimeout) as caught:
            fetch("GET", receiver.url(), policy=ALLOW_PRIVATE, timeout=0.5)
        elapsed = time.monotonic() - started
    assert elapsed < 2
    assert caught.value.message == "Request timed out after 0.5s"
    assert caught.value.retryable


def test_connection_refused():
    with pytest.raises(ConnectionRefused) as caught:
        fetch("GET", f"http://127.0.0.1:{free_port()}/", policy=ALLOW_PRIVATE, timeout=3)
    assert caught.value.message == "Connection refused"
    assert caught.value.retryable


def test_unresolvable_name():
    with pytest.raises(ResolutionFailed):
        fetch("GET", "http://no-such-host.invalid/", policy=STRICT, timeout=5)


def test_response_size_is_capped():
    with Receiver(Reply(body=b"x" * 100_000)) as receiver:
        with pytest.raises(ResponseTooLarge) as caught:
            fetch("GET", receiver.url(), policy=ALLOW_PRIVATE, max_response_bytes=10_000)
        assert caught.value.message == "Response larger than 10000 bytes"
        response = fetch(
            "GET", receiver.url(), policy=ALLOW_PRIVATE, max_response_bytes=10_000, truncate=True
        )
    assert len(response.body) == 10_000
    assert response.truncated
    with pytest.raises(ValueError, match="truncated"):
        response.json()


def test_redirects_are_not_followed_by_default():
    with Receiver(Reply(302, headers={"Location": "http://127.0.0.1:9/"})) as receiver:
        response = fetch("GET", receiver.url(), policy=ALLOW_PRIVATE)
    assert response.status == 302
    assert response.redirects == []


def test_a_followed_redirect_is_vetted_again_and_refused_into_a_private_range():
    """The first hop is admitted (127.0.0.1 is allow-listed), the redirect targets are not."""
    with Receiver() as internal:
        for location in (
            f"http://127.0.0.2:{internal.port}/",  # loopback, but outside the allow-list
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            f"http://0x7f000002:{internal.port}/",  # 127.0.0.2 in hex
        ):
            entry = Receiver(Reply(302, headers={"Location": location}))
            with entry, pytest.raises(BlockedTarget):
                fetch("GET", entry.url(), policy=ONLY_127_0_0_1, max_redirects=3)
            assert len(entry.received) == 1
    assert internal.received == []


def test_a_redirect_to_an_allowed_target_is_followed_within_the_limit():
    final = Receiver(Reply(200, b"final"))
    entry = Receiver(Reply(307, headers={"Location": final.url("/done")}))
    with final, entry:
        response = fetch(
            "POST",
            entry.url(),
            policy=ALLOW_PRIVATE,
            body=b"payload",
            headers={"Authorization": "Bearer secret"},
            max_redirects=2,
        )
    assert (response.status, response.body) == (200, b"final")
    assert response.redirects == [final.url("/done")]
    assert final.received[0].body == b"payload"  # 307 keeps method and body
    # a different port is a different origin: credentials are not carried along
    assert "authorization" not in final.received[0].headers


def test_a_redirect_chain_longer_than_the_limit_returns_the_last_redirect():
    with Receiver(Reply(302, headers={"Location": "/again"})) as loop:
        response = fetch("GET", loop.url(), policy=ALLOW_PRIVATE, max_redirects=2)
    assert response.status == 302
    assert len(loop.received) == 3


def test_https_pins_the_address_but_verifies_the_certificate_for_the_name(tmp_path):
    pki = make_pki(tmp_path, NAME)
    with Receiver(tls=pki.server_context()) as receiver:
        url = receiver.url(host=NAME, scheme="https")
        response = fetch(
            "GET",
            url,
            policy=ONLY_127_0_0_1,
            resolver=resolves_to("127.0.0.1"),
            ca_bundle=str(pki.ca_file),
        )
        assert response.status == 200
        assert receiver.sni == [NAME]
        assert receiver.received[0].headers["host"] == f"{NAME}:{receiver.port}"

        with pytest.raises(TLSError) as untrusted:
            fetch("GET", url, policy=ONLY_127_0_0_1, resolver=resolves_to("127.0.0.1"))
        assert untrusted.value.message == "TLS error: certificate verify failed"

        other = receiver.url(host="other.example.test", scheme="https")
        with pytest.raises(TLSError):
            fetch(
                "GET",
                other,
                policy=ONLY_127_0_0_1,
                resolver=resolves_to("127.0.0.1"),
                ca_bundle=str(pki.ca_file),
            )
    assert len(receiver.received) == 1


def test_https_to_http_redirects_are_refused(tmp_path):
    pki = make_pki(tmp_path, NAME)
    plain = Receiver()
    secure = Receiver(Reply(302, headers={"Location": plain.url()}), tls=pki.server_context())
    with plain, secure, pytest.raises(RedirectRefused):
        fetch(
            "GET",
            secure.url(host=NAME, scheme="https"),
            policy=ALLOW_PRIVATE,
            resolver=resolves_to("127.0.0.1"),
            ca_bundle=str(pki.ca_file),
            max_redirects=3,
        )
    assert plain.received == []
