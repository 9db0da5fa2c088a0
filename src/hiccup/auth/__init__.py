"""Accounts: roles and scopes, password hashing, TOTP, secrets, login throttling rules."""
