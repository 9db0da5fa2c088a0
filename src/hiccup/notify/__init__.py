"""Notifications: a durable outbox, operator alerts, subscribers, and one module per channel."""
