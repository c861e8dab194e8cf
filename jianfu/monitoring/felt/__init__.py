"""Felt against registered: what the points' reports say next to what their county registered
(figures here, read by the pages and by the signals' rule)."""
