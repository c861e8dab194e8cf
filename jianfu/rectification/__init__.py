"""Rectification: the negative list and self-examination rounds (selfexam/), the problem list
from any source and its ledger (problems/)."""
