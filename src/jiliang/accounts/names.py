"""Characters a name must not hide (pure, no Django).

Bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) reorder what a reader
sees, so "abc\u202Egpj.exe" shows as "abcexe.jpg"; zero-width characters (U+200B-U+200D, U+2060,
U+FEFF) make two names that look the same differ. A name is what an officer reads to decide whom
they deal with, so neither belongs in one.
"""

HIDDEN_CHARACTERS = frozenset(
    [0x061C, 0x180E, 0xFEFF]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2065))
    + list(range(0x2066, 0x206A))
)


def hidden_characters(text: str) -> list[str]:
    """The hidden characters of ``text`` as "U+202E", each once, in order of appearance."""
    found = dict.fromkeys(f"U+{ord(c):04X}" for c in text if ord(c) in HIDDEN_CHARACTERS)
    return list(found)
