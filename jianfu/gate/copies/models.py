"""The gate's copies part: models."""

__all__: list[str] = []
