"""Audit entries and checkpoints leave the machine: the "jianfu.audit.syslog" logger, sent to
syslog when JIANFU_SYSLOG_ADDRESS is set ("host:port" over UDP, or a socket path such as /dev/log).

Configured from settings.LOGGING (no Django import here: logging is set up before the apps).
What a syslog server has received, the database writer cannot take back.
"""

import logging
import logging.handlers

LOGGER = "jianfu.audit.syslog"
FACILITY = logging.handlers.SysLogHandler.LOG_LOCAL0


def parse_address(text: str) -> str | tuple[str, int]:
    """'/dev/log' → the path; 'host:port' → (host, port); 'host' → (host, 514)."""
    text = text.strip()
    if text.startswith("/"):
        return text
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return (text, 514)
    return (host.strip("[]"), int(port))


def handler(address: str) -> logging.handlers.SysLogHandler:
    """A SysLogHandler (RFC 3164 framing: <PRI>tag[pid]: message), facility local0."""
    h = logging.handlers.SysLogHandler(address=parse_address(address), facility=FACILITY)
    h.setFormatter(logging.Formatter("jianfu[%(process)d]: %(message)s"))
    return h


def logging_config(address: str) -> dict:
    """The part of settings.LOGGING that routes the logger (nowhere when no address is set)."""
    if not address:
        return {"handlers": {}, "logger": {"handlers": [], "level": "INFO", "propagate": False}}
    return {
        "handlers": {"syslog": {"()": "jianfu.core.syslog_forward.handler", "address": address}},
        "logger": {"handlers": ["syslog"], "level": "INFO", "propagate": False},
    }
