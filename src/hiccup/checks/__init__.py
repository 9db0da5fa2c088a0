"""Check kinds, one module each, found through the registry in `hiccup.checks.registry`."""
