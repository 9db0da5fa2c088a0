"""Hiccup: an uptime monitor and status page that stays up when everything else is down."""

from hiccup.release import version

__version__ = version()
