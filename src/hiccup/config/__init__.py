"""The whole YAML schema: the model, the site's parts, notifications, source, export."""
