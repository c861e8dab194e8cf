"""The gate's burden part: models."""

__all__: list[str] = []
