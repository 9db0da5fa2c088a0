"""The admin UI at `/admin`: server-rendered Jinja2 pages with htmx, no build step."""
