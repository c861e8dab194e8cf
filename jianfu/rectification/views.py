"""The pages are being built; the URL table is joined in urls.py."""

urlpatterns = []
