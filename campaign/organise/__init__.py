"""Organise: the campaign's life cycle, dashboard statistics and organiser pages."""
