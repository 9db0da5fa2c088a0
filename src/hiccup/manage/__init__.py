"""What the admin UI and the REST API do, once: validate, change in one transaction with its
audit entry, then tell the running parts (scheduler, snapshot, maintenance worker)."""
