"""Webhook signatures, in the scheme receivers know: ``X-Cluster-Signature: t=<unix time>,v1=<hex>``.

The hex is HMAC-SHA256 over ``"<t>.<raw body>"`` with the webhook's secret. Receivers recompute it, compare in
constant time and refuse old timestamps (``verify_signature`` does exactly that, for tests and examples).
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Cluster-Signature"
EVENT_HEADER = "X-Cluster-Event"
DELIVERY_HEADER = "X-Cluster-Delivery"


def sign(secret, body, timestamp=None):
    """The signature header value for ``body`` (bytes) at ``timestamp`` (default now)."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret, header, body, *, tolerance=300, now=None):
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
