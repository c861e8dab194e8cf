"""The problem list (problems from any source) and the rectification ledger: problems, their
measures along the ledger's path (start, progress, submit, verify or return, the review 回头看),
history steps and evidence files; a unit's ledger, the office's overview, the verification queue
and the API. Imports no sibling part: a problem cites a negative-list item only as a model."""
