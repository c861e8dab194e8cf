"""Masks for personal data shown in lists, exports and API lists: enough of a number to tell two
apart and to recognise one's own, not enough to call or look the person up.

13812345678 → 138****5678; 110101199001011234 → 1101**********1234. At least four characters are
always hidden, so a short number is never shown whole.
"""

HIDDEN_AT_LEAST = 4


def _mask(text: str, head: int, tail: int) -> str:
    text = str(text or "").strip()
    n = len(text)
    if not n:
        return ""
    if n <= HIDDEN_AT_LEAST:
        return "*" * n
    head = min(head, (n - HIDDEN_AT_LEAST) // 2)
    tail = min(tail, n - HIDDEN_AT_LEAST - head)
    return text[:head] + "*" * (n - head - tail) + (text[-tail:] if tail else "")


def mask_phone(text: str) -> str:
    return _mask(text, 3, 4)


def mask_id_number(text: str) -> str:
    return _mask(text, 4, 4)
