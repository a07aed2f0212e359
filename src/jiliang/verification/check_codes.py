"""Certificate check codes (查验码): what a citizen types beside the certificate number to check it.

A check code is the first 40 bits of HMAC-SHA256(secret, number), written as eight characters of
Crockford's base32 (no I, L, O, U: nothing to misread). It is derived, not stored, so every
certificate has one, the demo's bulk history included, and nobody who lacks the secret can compute
the code of a number: the public check answers only for number *and* code, so numbers, which are
sequential, cannot be enumerated. Pure functions, no Django.
"""

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_DOMAIN = b"jiliang/certificate-check-code/v1\n"
# What people type for what they read: O for 0, I and L for 1; separators are dropped.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None, "\u3000": None})


def check_code(secret: bytes, number: str) -> str:
    """The eight-character check code of certificate ``number`` under ``secret`` (the number's case
    does not matter: people type it)."""
    digest = hmac.new(secret, _DOMAIN + number.strip().upper().encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[: LENGTH * 5 // 8], "big")
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(5 * (LENGTH - 1), -1, -5))


def normalize(typed: str) -> str:
    """The code as typed ('abcd-efgh', with O for 0) in its canonical form; may still be invalid."""
    return typed.strip().upper().translate(_TYPED)


def grouped(code: str) -> str:
    """'ABCDEFGH' -> 'ABCD-EFGH', as printed on a certificate."""
    return f"{code[:4]}-{code[4:]}"


def matches(secret: bytes, number: str, typed: str) -> bool:
    """Whether ``typed`` is the check code of ``number``, in time independent of where they differ."""
    return hmac.compare_digest(normalize(typed).encode(), check_code(secret, number).encode())
