"""A process-wide guard that keeps a test's traffic on this machine.

Fuzzing and hostile-input tests make the app try URLs users can set (webhooks, integrations,
push, probes) and names the fuzzer invents. The machines have no network and the workplace
watches for traffic to anything but loopback, so these tests refuse, before any packet leaves,
every connection to a non-loopback address and every DNS lookup of a name that is not an IP
literal or `localhost`: the app sees what it would see offline (a refused connection, a name that
does not resolve)."""

import ipaddress
import socket
from contextlib import contextmanager

_LOCAL_NAMES = {"localhost", "localhost.", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host.lower() in _LOCAL_NAMES


@contextmanager
def loopback_only():
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(sock, address) -> bool:
        return sock.family == socket.AF_UNIX or _is_loopback(address[0])

    def connect(sock, address):
        if not allowed(sock, address):
            raise ConnectionRefusedError(111, f"test network guard: {address[0]} is off-limits")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if not allowed(sock, address):
            return 111
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is None or _is_loopback(host) or _is_ip_literal(host):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "test network guard: no DNS")

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect
        socket.socket.connect_ex = real_connect_ex
        socket.getaddrinfo = real_getaddrinfo


def _is_ip_literal(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        ipaddress.ip_address(str(host).split("%")[0])
        return True
    except ValueError:
        return False
