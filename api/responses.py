"""The error answers each kind of endpoint documents in the schema (all ``api.schemas.Error``)."""

from __future__ import annotations

from typing import Any

from api.schemas import Error

# Every endpoint: an unreadable or oversized body, no or a revoked token, callers who organise
# nothing, and input that breaks a rule.
ANY = {400: Error, 401: Error, 403: Error, 413: Error, 422: Error}
# Endpoints of one campaign: also 404 when the caller does not organise it (or it is missing).
CAMPAIGN = {**ANY, 404: Error}


def answers(success: dict[int, Any], *, errors: dict[int, Any] = CAMPAIGN) -> dict[int, Any]:
    return {**errors, **success}
