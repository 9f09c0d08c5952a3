"""The Flask web application: staff screens and the JSON API."""

from web.app import create_app

__all__ = ["create_app"]
