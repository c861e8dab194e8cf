"""Accountability's clues part: pages."""

urlpatterns: list = []
