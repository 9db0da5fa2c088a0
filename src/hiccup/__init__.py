"""Hiccup: an uptime monitor and status page that stays up when everything else is down."""

__version__ = "0.1.0"
