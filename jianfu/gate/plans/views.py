"""The gate's plans part: pages."""

urlpatterns: list = []
