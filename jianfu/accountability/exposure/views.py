"""Accountability's exposure part: pages."""

urlpatterns: list = []
