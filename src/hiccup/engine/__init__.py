"""The engine: when checks run, and how many at once."""
