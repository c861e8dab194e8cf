"""The gate's copies part: pages."""

urlpatterns: list = []
