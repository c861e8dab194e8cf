"""Accountability's exposure part: models."""

__all__: list[str] = []
