"""The web adapter: public status page, its Statuspage-compatible API, admin UI and REST API."""
