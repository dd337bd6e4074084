"""The default coursec theme (jinja2 templates and static files)."""
