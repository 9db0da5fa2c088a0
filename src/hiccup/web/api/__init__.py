"""The REST API, `/api/v1`: everything the admin UI does, with an OpenAPI document."""
