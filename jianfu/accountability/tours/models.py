"""Accountability's tours part: models."""

__all__: list[str] = []
