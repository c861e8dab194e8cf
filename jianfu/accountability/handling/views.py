"""Accountability's handling part: pages."""

urlpatterns: list = []
