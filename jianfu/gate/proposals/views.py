"""The gate's proposals part: pages."""

urlpatterns: list = []
