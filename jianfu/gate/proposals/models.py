"""The gate's proposals part: models."""

__all__: list[str] = []
