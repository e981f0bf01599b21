"""JWTs made with Python's standard library: an implementation independent of voxgate's."""

import base64
import hashlib
import hmac
import json
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(secret, claims, header=None):
    head = {"alg": "HS256", "typ": "JWT", **(header or {})}
    signing_input = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def user_token(secret, user, org, ttl=3600, **extra):
    now = int(time.time())
    claims = {"sub": user, "exp": now + ttl, "iat": now, "app_metadata": {"org_id": org}, **extra}
    return hs256(secret, claims)
