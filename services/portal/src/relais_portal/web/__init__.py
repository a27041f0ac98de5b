"""The portal's pages: one router per resource, server-rendered (Jinja2), htmx for partial updates."""
