"""Public subscription routes."""
