"""Bring in what a team already has: Uptime Kuma, Statuspage and Gatus, mapped to hiccup.yaml.

Each source module turns its input into an `ImportResult` (the config as a mapping, plus what
could not be mapped and why); `write` renders it and checks it with Hiccup's own loader. These
modules depend on `config` only.
"""
