"""Domain errors of the accounts app, turned into messages or JSON errors at the edge."""

from __future__ import annotations


class AccountsError(Exception):
    """Base class: a request the account rules refuse, with a message fit for the user."""


class InvalidProvisioningRequest(AccountsError):
    pass
