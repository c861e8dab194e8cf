"""The gate's burden part: pages."""

urlpatterns: list = []
