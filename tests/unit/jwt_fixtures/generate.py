#!/usr/bin/env python3
# JWT fixtures for tests/unit/jwt_test.cpp, made WITHOUT voxgate's code: the `openssl` command line
# signs, this script (Python standard library only) builds the JSON and base64url text.
#
# Regenerate:  cd tests/unit/jwt_fixtures && python3 generate.py
#
# Reproducible: keys are generated only when their PEM file is missing, so a rerun keeps the
# committed keys; JSON is written with fixed key order and no spaces; HS256 and RS256 signatures
# are deterministic. ES256 signatures are not (OpenSSL 3.0 picks a random ECDSA nonce), so a
# rerun changes the ES256 lines of tokens.txt, and every one of them stays valid.
#
# Every token is checked at the fixed time NOW below (jwt_test.cpp passes the same value to
# verify()), so none of them ever expires on its own. Outputs:
#   *_private.pem, *_public.pem   keys (rsa, rsa2: RSA 2048; ec, ec_stranger: P-256; rsa1024)
#   hs256.secret                  the HMAC secret, no trailing newline
#   jwks.json                     rsa-1 (rsa), rsa-2 (rsa2), ec-1 (ec); ec_stranger is in no set
#   tokens.txt                    "name token" per line: signed tokens, then mutations of them
import base64
import json
import os
import subprocess

NOW = 1_700_000_000
SECRET = b"voxgate-fixture-secret-0123456789abcdef"
ISSUER = "https://project.supabase.co/auth/v1"
AUDIENCE = "authenticated"

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_keys():
    specs = {
        "rsa": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "rsa2": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "rsa1024": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        "ec": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "ec_stranger": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    }
    for name, args in specs.items():
        private = path(name + "_private.pem")
        if not os.path.exists(private):
            openssl("genpkey", *args, "-out", private)
        openssl("pkey", "-in", private, "-pubout", "-out", path(name + "_public.pem"))


def rsa_jwk(name, kid):
    modulus = openssl("rsa", "-pubin", "-in", path(name + "_public.pem"), "-noout", "-modulus")
    n = bytes.fromhex(modulus.decode().strip().split("=", 1)[1])
    text = openssl("pkey", "-pubin", "-in", path(name + "_public.pem"), "-noout", "-text").decode()
    exponent = int(text.split("Exponent:", 1)[1].split()[0])
    e = exponent.to_bytes((exponent.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(n), "e": b64url(e)}


def ec_jwk(name, kid):
    # A P-256 SubjectPublicKeyInfo ends with the uncompressed point 04 || x || y.
    der = openssl("pkey", "-pubin", "-in", path(name + "_public.pem"), "-outform", "DER")
    point = der[-65:]
    assert point[0] == 4
    return {"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": b64url(point[1:33]), "y": b64url(point[33:])}


def der_to_raw(der):
    # ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }; JOSE wants r || s, 32 bytes each.
    assert der[0] == 0x30
    at = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[at] == 0x02
        length = der[at + 1]
        value = der[at + 2:at + 2 + length].lstrip(b"\0")
        out += value.rjust(32, b"\0")
        at += 2 + length
    return out


def hmac(digest, key):
    return lambda data: openssl("dgst", "-" + digest, "-mac", "HMAC", "-macopt",
                                "hexkey:" + key.hex(), "-binary", data=data)


def rsa(name):
    return lambda data: openssl("dgst", "-sha256", "-sign", path(name + "_private.pem"),
                                "-binary", data=data)


def ecdsa(name, raw=True):
    def sign(data):
        der = openssl("dgst", "-sha256", "-sign", path(name + "_private.pem"), "-binary", data=data)
        return der_to_raw(der) if raw else der
    return sign


def unsigned(data):
    return b""


def compact(obj):
    return obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":")).encode()


def claims(**changes):
    out = {"sub": "user-1", "aud": AUDIENCE, "iss": ISSUER, "iat": NOW - 60, "exp": NOW + 3600,
           "role": "authenticated", "app_metadata": {"org_id": "org-1", "provider": "email"}}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def header(alg, kid=None):
    out = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        out["kid"] = kid
    return out


def token(head, payload, signer):
    signing_input = b64url(compact(head)) + "." + b64url(compact(payload))
    return signing_input + "." + b64url(signer(signing_input.encode()))


def tokens():
    hs = hmac("sha256", SECRET)
    public_pem = open(path("rsa_public.pem"), "rb").read()
    return {
        # Valid, one per algorithm and key source.
        "hs256": token(header("HS256"), claims(), hs),
        "rs256_kid": token(header("RS256", "rsa-1"), claims(), rsa("rsa")),
        "rs256_kid2": token(header("RS256", "rsa-2"), claims(), rsa("rsa2")),
        "rs256_nokid": token(header("RS256"), claims(), rsa("rsa")),
        "rs256_nokid_rsa2": token(header("RS256"), claims(), rsa("rsa2")),
        "es256_kid": token(header("ES256", "ec-1"), claims(), ecdsa("ec")),
        "es256_nokid": token(header("ES256"), claims(), ecdsa("ec")),
        # Algorithms that must be refused.
        "none_empty_sig": token(header("none"), claims(), unsigned),
        "none_with_sig": token(header("none"), claims(), hs),
        "none_upper": token(header("NONE"), claims(), unsigned),
        "hs256_with_public_pem": token(header("HS256"), claims(), hmac("sha256", public_pem)),
        "hs384": token(header("HS384"), claims(), hmac("sha384", SECRET)),
        "rs256_kid_of_ec": token(header("RS256", "ec-1"), claims(), rsa("rsa")),
        "es256_kid_of_rsa": token(header("ES256", "rsa-1"), claims(), ecdsa("ec")),
        "no_alg": token({"typ": "JWT"}, claims(), hs),
        "alg_number": token({"alg": 256}, claims(), hs),
        "crit_header": token({"alg": "HS256", "crit": ["exp"]}, claims(), hs),
        # Keys.
        "rs256_unknown_kid": token(header("RS256", "rsa-9"), claims(), rsa("rsa")),
        "rs256_wrong_key": token(header("RS256", "rsa-1"), claims(), rsa("rsa2")),
        "es256_stranger_kid": token(header("ES256", "ec-1"), claims(), ecdsa("ec_stranger")),
        "es256_stranger_nokid": token(header("ES256"), claims(), ecdsa("ec_stranger")),
        "es256_der_sig": token(header("ES256", "ec-1"), claims(), ecdsa("ec", raw=False)),
        "hs256_other_secret": token(header("HS256"), claims(), hmac("sha256", b"another secret")),
        # Time.
        "expired": token(header("HS256"), claims(exp=NOW - 3600), hs),
        "expired_beyond_skew": token(header("HS256"), claims(exp=NOW - 31), hs),
        "expired_within_skew": token(header("HS256"), claims(exp=NOW - 29), hs),
        "nbf_future": token(header("HS256"), claims(nbf=NOW + 3600), hs),
        "nbf_beyond_skew": token(header("HS256"), claims(nbf=NOW + 31), hs),
        "nbf_within_skew": token(header("HS256"), claims(nbf=NOW + 29), hs),
        "exp_fraction": token(header("HS256"), claims(exp=NOW + 3600.5), hs),
        "exp_string": token(header("HS256"), claims(exp=str(NOW + 3600)), hs),
        "exp_huge": token(header("HS256"), claims(exp=1e300), hs),
        "no_exp": token(header("HS256"), claims(exp=None), hs),
        # Issuer and audience.
        "wrong_iss": token(header("HS256"), claims(iss="https://other.supabase.co/auth/v1"), hs),
        "no_iss": token(header("HS256"), claims(iss=None), hs),
        "wrong_aud": token(header("HS256"), claims(aud="anon"), hs),
        "aud_array": token(header("HS256"), claims(aud=["service", AUDIENCE]), hs),
        "aud_array_wrong": token(header("HS256"), claims(aud=["service", "anon"]), hs),
        "no_aud": token(header("HS256"), claims(aud=None), hs),
        # Subject and organization.
        "no_sub": token(header("HS256"), claims(sub=None), hs),
        "empty_sub": token(header("HS256"), claims(sub=""), hs),
        "sub_number": token(header("HS256"), claims(sub=7), hs),
        "no_org": token(header("HS256"), claims(app_metadata={"provider": "email"}), hs),
        "empty_org": token(header("HS256"), claims(app_metadata={"org_id": ""}), hs),
        "org_number": token(header("HS256"), claims(app_metadata={"org_id": 42}), hs),
        "org_object": token(header("HS256"), claims(app_metadata={"org_id": {"id": "x"}}), hs),
        "app_metadata_string": token(header("HS256"), claims(app_metadata="org-1"), hs),
        "custom_org": token(header("HS256"), claims(tenant={"info": {"org": "org-7"}}), hs),
        # JSON that is not a JWT header or claims set.
        "header_not_json": token(b'{"alg":"HS256"', claims(), hs),
        "header_array": token(b'["HS256"]', claims(), hs),
        "payload_not_json": token(header("HS256"), b"sub=user-1", hs),
        "payload_array": token(header("HS256"), b'["user-1"]', hs),
        "payload_trailing": token(header("HS256"), compact(claims()) + b" {}", hs),
        # Larger than the default auth.max_token_bytes (8KiB), valid otherwise.
        "oversized": token(header("HS256"), claims(padding="x" * 9000), hs),
    }


def flip_signature_bit(text):
    head, payload, sig = text.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return head + "." + payload + "." + b64url(bytes(raw))


def noncanonical_last_char(segment):
    # The last character of a segment whose length is not a multiple of 4 has unused low bits;
    # setting one keeps the decoded bytes for a lenient decoder, so a strict one must refuse it.
    assert len(segment) % 4 in (2, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) | 1]


def mutations(made):
    # Valid tokens changed after signing, the way an attacker or a broken client would.
    hs256 = made["hs256"]
    head, payload, sig = hs256.split(".")
    with_dash = next(t for t in made.values() if "-" in t or "_" in t)
    return {
        "tampered_payload": head + "." + b64url(compact(claims(sub="user-2"))) + "." + sig,
        "tampered_org": head + "." + b64url(compact(claims(app_metadata={"org_id": "org-2"})))
        + "." + sig,
        "tampered_signature": flip_signature_bit(hs256),
        "rs256_tampered_signature": flip_signature_bit(made["rs256_kid"]),
        "es256_tampered_signature": flip_signature_bit(made["es256_kid"]),
        "padded_signature": hs256 + "=" * (-len(sig) % 4),
        "padded_header": head + "==." + payload + "." + sig,
        "bad_char_payload": head + "." + payload[:5] + "*" + payload[6:] + "." + sig,
        "space_in_signature": head + "." + payload + "." + sig[:10] + " " + sig[10:],
        "standard_alphabet": with_dash.replace("-", "+").replace("_", "/"),
        "noncanonical_signature": head + "." + payload + "." + noncanonical_last_char(sig),
    }


def main():
    make_keys()
    with open(path("hs256.secret"), "wb") as f:
        f.write(SECRET)
    jwks = {"keys": [rsa_jwk("rsa", "rsa-1"), rsa_jwk("rsa2", "rsa-2"), ec_jwk("ec", "ec-1")]}
    with open(path("jwks.json"), "w") as f:
        json.dump(jwks, f, indent=2)
        f.write("\n")
    with open(path("tokens.txt"), "w") as f:
        f.write("# Generated by generate.py with the openssl command line; verify at now = %d.\n"
                % NOW)
        made = tokens()
        made.update(mutations(made))
        for name, text in made.items():
            f.write(name + " " + text + "\n")


if __name__ == "__main__":
    main()
