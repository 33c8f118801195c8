"""A throwaway certificate authority for TLS tests: a CA, server and client certificates as PEM
text (cryptography, no openssl binary)."""

from datetime import UTC, datetime, timedelta
from functools import cache
from ipaddress import IPv4Address

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, issuer, public_key, signing_key, *, ca=False, usage=None, days=30,
                 san=None):  # fmt: skip
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def authority(label: str = "cockpit test CA") -> dict:
    """{ca, server_cert, server_key, client_cert, client_key} (PEM text); the server is valid
    for 127.0.0.1 and localhost. Another `label` is another, unrelated authority."""
    return _authority(label)  # one cache key however the label is passed


@cache
def _authority(label: str) -> dict:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(_name(label), _name(label), ca_key.public_key(), ca_key, ca=True,
                      days=365)  # fmt: skip
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate(
        _name("127.0.0.1"), ca.subject, server_key.public_key(), ca_key,
        usage=[ExtendedKeyUsageOID.SERVER_AUTH],
        san=[x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")],
    )  # fmt: skip
    client_key = ec.generate_private_key(ec.SECP256R1())
    client = _certificate(_name("cockpit"), ca.subject, client_key.public_key(), ca_key,
                          usage=[ExtendedKeyUsageOID.CLIENT_AUTH])  # fmt: skip
    pem = serialization.Encoding.PEM
    return {
        "ca": ca.public_bytes(pem).decode(),
        "server_cert": server.public_bytes(pem).decode(),
        "server_key": _pem_key(server_key),
        "client_cert": client.public_bytes(pem).decode(),
        "client_key": _pem_key(client_key),
    }


def client_tls_body(label: str = "cockpit test CA") -> dict:
    """The TLS fields of a tcp host's request body."""
    pki = authority(label)
    return {"tlsCa": pki["ca"], "tlsCert": pki["client_cert"], "tlsKey": pki["client_key"]}
