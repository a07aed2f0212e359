"""Abuse control of the public complaint form, per client address, in the Django cache:

- past ``JILIANG_COMPLAINT_CAPTCHA_AFTER`` submissions in an hour a client must answer a captcha
  (an arithmetic question served by the platform itself, signed so the answer is never stored);
- past ``JILIANG_COMPLAINT_LIMIT_PER_HOUR`` it is refused for the rest of the hour;
- wrong tracking codes are counted like the certificate check's and refused past a limit.
"""

import random
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

HOUR = 3600
CAPTCHA_SALT = "jiliang.enforcement.captcha"
CAPTCHA_MAX_AGE = 600


class Throttled(Exception):
    pass


def _bucket(kind: str, client: str) -> str:
    return f"enforcement:{kind}:{client}:{int(time.time() // HOUR)}"


def submissions(client: str) -> int:
    return cache.get(_bucket("submit", client), 0)


def needs_captcha(client: str) -> bool:
    return submissions(client) >= settings.JILIANG_COMPLAINT_CAPTCHA_AFTER


def admit(client: str) -> bool:
    """Raises ``Throttled`` past the hour's limit, else tells whether the client must answer the
    captcha: one read of the counter (a round trip to Redis) for both."""
    count = submissions(client)
    if count >= settings.JILIANG_COMPLAINT_LIMIT_PER_HOUR:
        raise Throttled
    return count >= settings.JILIANG_COMPLAINT_CAPTCHA_AFTER


def count_submission(client: str) -> None:
    _count(_bucket("submit", client))


def _count(key: str) -> None:
    """One more in the hour's counter ``key``. Incremented first: past the hour's first one the key is
    there, so this is one command fewer on Redis than creating it with ``add`` every time."""
    try:
        cache.incr(key)
    except ValueError:  # the hour's first
        if not cache.add(key, 1, HOUR):  # another first made it in between
            cache.incr(key)


def new_captcha() -> tuple[str, str]:
    """A question in Chinese and the signed token that carries its answer."""
    a, b = random.randint(2, 19), random.randint(2, 9)
    # The nonce makes every token unique: two questions with the same answer signed in the same
    # second would otherwise share one token, and answering one would use up the other.
    return f"{a} + {b} = ？", signing.dumps({"answer": a + b, "nonce": secrets.token_hex(8)}, salt=CAPTCHA_SALT)


def captcha_passes(token: str, answer: str) -> bool:
    try:
        expected = signing.loads(token or "", salt=CAPTCHA_SALT, max_age=CAPTCHA_MAX_AGE)["answer"]
    except (signing.BadSignature, TypeError, KeyError):
        return False
    # A token answers once: a bot replaying one solved question is asked again.
    return (answer or "").strip() == str(expected) and cache.add(f"enforcement:captcha-used:{token}", 1,
                                                                 CAPTCHA_MAX_AGE)


def refuse_if_tracking_throttled(client: str) -> None:
    if cache.get(_bucket("track", client), 0) >= settings.JILIANG_COMPLAINT_TRACK_LIMIT:
        raise Throttled


def count_wrong_tracking(client: str) -> None:
    _count(_bucket("track", client))
