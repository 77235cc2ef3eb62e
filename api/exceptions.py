"""Domain errors of the API room, turned into command errors or messages at the edge."""

from __future__ import annotations


class ApiTokenError(Exception):
    """A token request refused, with a message fit for the organiser."""
