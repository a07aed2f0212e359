"""Sign-in policy decisions (pure, no Django): who needs a second factor, whose password is due.

"admin" in the list of privileged roles stands for the superusers and staff of the back office,
who have no role of their own.
"""

from datetime import datetime, timedelta

ADMIN = "admin"


def is_privileged(role: str, is_admin: bool, privileged_roles: frozenset[str]) -> bool:
    return role in privileged_roles or (is_admin and ADMIN in privileged_roles)


def password_change_due(changed_at: datetime, now: datetime, max_age_days: int, must_change: bool) -> bool:
    """A password must be changed when an administrator set it, or when it is older than the
    maximum age (0: passwords do not age)."""
    return must_change or (max_age_days > 0 and now - changed_at >= timedelta(days=max_age_days))
