"""Outbound connections except loopback fail loudly: in the test process and its children.

The tests import this file; child processes load it as `sitecustomize` through PYTHONPATH.
"""

import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


class OutboundBlocked(OSError):
    pass


def check(address: object) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise OutboundBlocked(f"outbound network is blocked in tests (tried {host})")


def _guarded(self, address):  # type: ignore[no-untyped-def]
    check(address)
    return _connect(self, address)


def _guarded_ex(self, address):  # type: ignore[no-untyped-def]
    check(address)
    return _connect_ex(self, address)


socket.socket.connect = _guarded  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_ex  # type: ignore[method-assign]
