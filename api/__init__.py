"""The organiser HTTP API under /api/v1/ and its tokens: thin adapters over the campaign and
scoring services (nothing imports this room except config.urls)."""
