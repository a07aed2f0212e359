"""Public codes of instruments (the "ID card" printed on the QR label). Pure logic, no Django.

A code is 10 random characters of Crockford's base32 alphabet (no I, L, O, U: nothing to misread
on a label) followed by one Luhn mod 32 check character, 11 characters in all. 50 random bits keep
codes unguessable enough for a public page that shows nothing personal; the check character lets
the page reject a mistyped code without a database look-up. Codes never change once issued.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)  # 32
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1
# Crockford's decoding rules for characters people write instead of the real ones.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _luhn_sum(values: list[int], double_first: bool) -> int:
    """Luhn mod N: double every other value from the right, fold each product back below N."""
    total = 0
    double = double_first
    for value in reversed(values):
        if double:
            value *= 2
            value = value // BASE + value % BASE
        total += value
        double = not double
    return total


def check_character(body: str) -> str:
    values = [ALPHABET.index(c) for c in body]
    return ALPHABET[(BASE - _luhn_sum(values, double_first=True) % BASE) % BASE]


def new_code(randbelow=secrets.randbelow) -> str:
    """A fresh code; pass a seeded ``random.Random().randrange`` for deterministic demo data."""
    body = "".join(ALPHABET[randbelow(BASE)] for _ in range(BODY_LENGTH))
    return body + check_character(body)


_DOUBLED = tuple(v * 2 // BASE + v * 2 % BASE for v in range(BASE))  # Luhn's doubled value, folded
BITS = 5 * BODY_LENGTH


def from_number(number: int) -> str:
    """The code whose body is the low 50 bits of ``number`` in base 32, most significant digit
    first; ``from_number(secrets.randbits(BITS))`` is ``new_code()`` in one call to the system's
    random source instead of ten (an import draws a million)."""
    values = [(number >> shift) & (BASE - 1) for shift in range(BITS - 5, -5, -5)]
    # Luhn mod 32 with the rightmost body value doubled: the odd positions of ten (see _luhn_sum).
    total = sum(values[0::2]) + sum(_DOUBLED[v] for v in values[1::2])
    return "".join(ALPHABET[v] for v in values) + ALPHABET[(BASE - total % BASE) % BASE]


def normalize(raw: str) -> str:
    """What a person typed or a scanner read, in canonical form: upper case, no separators."""
    return "".join((raw or "").split()).replace("-", "").upper().translate(_LOOKALIKES)


def is_valid(code: str) -> bool:
    """Whether ``code`` (canonical form) is well formed and its check character matches."""
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return False
    return _luhn_sum([ALPHABET.index(c) for c in code], double_first=False) % BASE == 0


def grouped(code: str) -> str:
    """'ABCDE12345X' -> 'ABCDE-12345-X', easier to read aloud from a label."""
    return f"{code[:5]}-{code[5:10]}-{code[10:]}"
