"""HS256 user JWTs with the claim layout voxgate reads (sub, exp, app_metadata.org_id), made
with the standard library so the soak shares no code with the gateway."""

import base64
import hashlib
import hmac
import json
import time


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def user_token(secret, user, org, ttl=3 * 3600):
    now = int(time.time())
    head = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": user, "exp": now + ttl, "iat": now, "app_metadata": {"org_id": org}}
    signing_input = _b64url(json.dumps(head).encode()) + "." + _b64url(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64url(sig)
