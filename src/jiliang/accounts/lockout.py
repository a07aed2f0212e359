"""Sign-in lock-out: by username (an officer's account) and by client address (one source guessing many names).

django-axes counts failures per lock-out parameter but compares every count with one limit. An
address is allowed more failures than an account (several officers may sign in from one office
network), so this handler gives each parameter its own limit and reports to Axes whether either
is reached.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

# The order of settings.AXES_LOCKOUT_PARAMETERS, which gives the order of Axes' querysets.
PARAMETERS = ("username", "ip_address")


class LockoutHandler(AxesDatabaseHandler):
    def failures_by_parameter(self, request, credentials=None) -> dict[str, int]:
        counts = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return dict(zip(PARAMETERS, counts, strict=True))

    def username_locked(self, request, credentials=None) -> bool:
        return self.failures_by_parameter(request, credentials)["username"] >= settings.AXES_FAILURE_LIMIT

    def get_failures(self, request, credentials=None) -> int:
        """The username's failures, or the username limit itself once the address has reached its own."""
        counts = self.failures_by_parameter(request, credentials)
        if counts["ip_address"] >= settings.JILIANG_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(counts["username"], settings.AXES_FAILURE_LIMIT)
        return counts["username"]

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A success clears the account's failures only: signing in to one's own account must not
        wipe the count of an address that guessed at others."""
        username_attempts = self.filter_user_attempts(request, credentials)[PARAMETERS.index("username")]
        count, _ = username_attempts.delete()
        return count
