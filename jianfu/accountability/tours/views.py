"""Accountability's tours part: pages."""

urlpatterns: list = []
