"""What accountability's tours part registers in the shared places (called by apps.py)."""


def ready():
    """Register this part's permissions, navigation, cards, imports, sources and rules."""
