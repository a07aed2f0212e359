"""Log lines an operator can search: ISO time with its offset, the request id, one line each.

``RequestIdFilter`` puts the current request's id (also shown on the 500 page and sent as
``X-Request-ID``) on every record; ``IsoFormatter`` writes ``2026-12-06T22:40:01.123+08:00`` in the
installation's time zone; ``JsonFormatter`` writes the same fields as one JSON object a line.
"""

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        # Imported here: logging is configured before the apps (and their models) are loaded.
        from jiliang.accounts.audit import current_request

        record.request_id = current_request.get().request_id or "-"
        return True


class NoTracebackFilter(logging.Filter):
    """For expected refusals (a disallowed host): the message is the whole story."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


def iso_time(created: float) -> str:
    return datetime.fromtimestamp(created, ZoneInfo(settings.TIME_ZONE)).isoformat(timespec="milliseconds")


class IsoFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return iso_time(record.created)


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {"time": iso_time(record.created), "level": record.levelname, "logger": record.name,
                "request_id": getattr(record, "request_id", "-"), "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
