"""Accountability's pages, part by part: the clue ledger, the commission's handling and cases,
inspection tours and typical cases (each part's views.urlpatterns)."""

from .clues import views as clues
from .exposure import views as exposure
from .handling import views as handling
from .tours import views as tours

urlpatterns = [
    *clues.urlpatterns,
    *handling.urlpatterns,
    *tours.urlpatterns,
    *exposure.urlpatterns,
]
