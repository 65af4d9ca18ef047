"""One webhook POST that a receiver cannot stretch: pinned to one address, a total deadline, a capped reply.

``post`` connects to the IP address it is given (resolved and checked once by the caller, so no second lookup can
be rebound to a private address), sends ``Host`` and, for https, SNI and certificate verification for the URL's
host name. A watchdog cuts the connection when the total deadline passes, whatever the receiver does: answering
a byte a second (each read would beat a per-read timeout), never answering, or streaming a huge reply. At most
``max_reply_bytes`` of the reply are read; the rest is never received. No database, no Django.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi


class DeliveryFailed(Exception):
    """The attempt failed before a status arrived; the message says how (for the delivery log)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


def _cut(sock: socket.socket) -> None:
    """Shut the socket down at the file-descriptor level, so a read blocked in another thread returns at once."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def post(
    url: str,
    *,
    address: str,
    port: int,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
    read_timeout: float,
    max_reply_bytes: int,
) -> Reply:
    """POST ``body`` to ``url`` through ``address``:``port``; the status and the first ``max_reply_bytes`` of the
    reply. Raises ``DeliveryFailed`` when no status arrived within ``deadline`` seconds (connect included)."""
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    started = time.monotonic()
    expired = threading.Event()

    def remaining() -> float:
        return max(deadline - (time.monotonic() - started), 0.01)

    try:
        sock = socket.create_connection((address, port), timeout=min(read_timeout, remaining()))
    except OSError as error:
        raise DeliveryFailed(f"could not connect to {address} port {port}: {error}") from error
    live = [sock]

    def expire() -> None:
        expired.set()
        _cut(live[0])

    watchdog = threading.Timer(remaining(), expire)
    watchdog.daemon = True
    watchdog.start()
    connection = http.client.HTTPConnection(hostname, port)
    try:
        try:
            if parts.scheme == "https":
                context = ssl.create_default_context(cafile=certifi.where())
                live[0] = context.wrap_socket(sock, server_hostname=hostname)
            live[0].settimeout(min(read_timeout, remaining()))
            connection.sock = live[0]
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host = parts.netloc.rpartition("@")[2]
            connection.request("POST", path, body=body, headers={**headers, "Host": host, "Connection": "close"})
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            if expired.is_set() or time.monotonic() - started >= deadline - 0.05:
                raise DeliveryFailed(f"no answer within the {deadline:g} s deadline") from error
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        reply = b""
        try:
            while len(reply) < max_reply_bytes:
                chunk = response.read1(max_reply_bytes - len(reply))
                if not chunk:
                    break
                reply += chunk
        except (OSError, http.client.HTTPException):
            pass  # the status is what counts; a reply cut short by the deadline is kept as far as it came
        return Reply(status=response.status, body=reply)
    finally:
        watchdog.cancel()
        connection.close()
        live[0].close()
