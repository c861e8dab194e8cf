"""Writes of copy-through: index one document now (after a registration, before its proposal's
review) rather than waiting for the night. Derived data, as the registry's rollup: not audited."""

from . import index


def document_index(*, document_id: int) -> int:
    """Sign one document again and compare it with its candidates both ways; returns 1 when its
    signature was written, 0 when it has no text."""
    return index.index_documents([document_id], force=True)
