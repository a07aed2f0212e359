"""Registry rules that need no database: the mandatory flag and the serial-number search key."""

# The four uses for which the Metrology Law (Art. 9) requires mandatory verification of a
# catalogued instrument type; the values are Purpose's.
LEGAL_PURPOSES = frozenset({"trade_settlement", "health", "safety", "environment"})
SEARCH_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def is_mandatory(type_is_mandatory: bool, purpose: str) -> bool:
    """An instrument is under mandatory verification when its type is catalogued as such and it
    is used for one of the four legal purposes."""
    return bool(type_is_mandatory) and purpose in LEGAL_PURPOSES


def search_key(text: str) -> str:
    """A serial number reduced to upper-case ASCII letters and digits: 'ab-12 3' -> 'AB123'.

    Stored next to the serial number so that a prefix search is an index range scan on SQLite
    and PostgreSQL alike, whatever the case, spaces or dashes the user types.
    """
    upper = (text or "").upper()
    if upper.isascii() and upper.isalnum():
        return upper  # already a key (most serial numbers): no character-by-character filter
    return "".join(c for c in upper if c in SEARCH_ALPHABET)


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest key greater than every key starting with ``prefix`` (a search key), or None.

    'AB9' -> 'ABA', 'ABZ' -> 'AC', 'ZZ' -> None. Only letters and digits occur in keys, and both
    the byte order and the usual collations sort them digits first, then letters.
    """
    chars = list(prefix)
    while chars:
        position = SEARCH_ALPHABET.index(chars[-1])
        if position + 1 < len(SEARCH_ALPHABET):
            chars[-1] = SEARCH_ALPHABET[position + 1]
            return "".join(chars)
        chars.pop()
    return None


# Which status may follow which: scrapping is final; a stopped instrument may return to use.
STATUS_TRANSITIONS = {
    "in_use": frozenset({"out_of_service", "scrapped"}),
    "out_of_service": frozenset({"in_use", "scrapped"}),
    "scrapped": frozenset(),
}


def may_change_status(current: str, new: str) -> bool:
    return new in STATUS_TRANSITIONS.get(current, frozenset())
