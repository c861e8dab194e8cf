"""Signal rules of supervision items (group "supervision"), registered in signals' RULES."""


def register() -> None:
    """Add this part's rules to the signals' registry (setup.ready)."""
