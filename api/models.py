"""Organiser API tokens: only a digest of each is stored; the token itself is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    # The first characters of the token, so its holder can tell tokens apart in the list.
    prefix = models.CharField(max_length=12)
    # SHA-256 of the token (hex). The token is 256 random bits, so a fast hash is enough:
    # nobody can guess their way back from the digest (unlike a password).
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
