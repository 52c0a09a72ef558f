"""Logging without protected health information: request lines lose their query strings."""

from __future__ import annotations

import logging
import re

QUERY = re.compile(r"\?[^\s\"]*")


class NoQueryStrings(logging.Filter):
    """Drop query strings (filter values, client ids) from a log record's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY.sub("", message), None
        return True


def quiet_request_logs() -> None:
    """Install the filter on the development server's request log."""
    logging.getLogger("werkzeug").addFilter(NoQueryStrings())
