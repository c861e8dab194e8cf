def ready():
    """Register this part's permissions, navigation, cards and sources (called by apps.py)."""
