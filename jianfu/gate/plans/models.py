"""The gate's plans part: models."""

__all__: list[str] = []
