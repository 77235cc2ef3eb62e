"""Domain errors of the campaign app, turned into messages or JSON errors at the edge."""

from __future__ import annotations


class CampaignError(Exception):
    """Base class: a request the campaign rules refuse, with a message fit for the user."""


class UnsupportedFileFormat(CampaignError):
    pass


class CampaignNotFound(CampaignError):
    pass


class InvalidCampaignSettings(CampaignError):
    pass
