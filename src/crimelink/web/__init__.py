"""The web app and API. ``create_app(settings)`` is the whole public face."""

from crimelink.web.app import create_app

__all__ = ["create_app"]
