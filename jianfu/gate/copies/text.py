"""Comparing texts for copy-through (照抄照搬): plain functions, no database.

Normalising. A document is compared by its characters with every whitespace, punctuation mark
and symbol left out, after NFKC (full-width Latin letters and digits become half-width): a copy
retyped from a PDF gains line breaks and spaces, and a unit changing "，" into "、" or "；" has
still copied the sentence. Digits and letters stay (a changed year or number is a change).

Shingles. Overlapping runs of K = 5 characters. Chinese words are mostly two to four
characters, so a 5-character shingle spans a word boundary: two honest documents on one subject
share words and stock phrases, but few 5-character runs beyond the stock phrases; 3-character
shingles made honest documents on one subject look alike, 8-character ones lost copies with a
word changed every clause (each change hides K shingles).

Signatures. One-permutation MinHash (Li, Owen & Zhang 2012) with rotation densification
(Shrivastava 2017): each shingle is hashed once (a polynomial over its code points, then the
splitmix64 finaliser), its low bits choose one of NUM_PERM bins and the bin keeps the least of
the high bits. The chance that two texts agree on a bin is their shingles' Jaccard, as for
NUM_PERM independent permutations, at the cost of one hash per shingle instead of NUM_PERM: a
5,000-character text is normalised, hashed and signed in numpy in about 0.1 ms, where datasketch's
MinHash.update_batch (one Python call per shingle, then NUM_PERM permutations) takes 2–4 ms
(bench/copies.py measures both). The signatures are datasketch LeanMinHash values,
indexed by datasketch's MinHashLSH.

The exact share. For a text A against a text B: the share of A's characters (normalised) lying in
a passage of at least MIN_PASSAGE characters also found in B — containment, since "mostly copied"
is what a short county document implementing a long city one is; a stock phrase shorter than a
clause is language, not copying. The Jaccard of the shingle sets is kept beside it (the LSH finds
by Jaccard). The passages are aligned spans (a_start, a_end, b_start, b_end) in the original
texts, for marking side by side.
"""

import hashlib
import unicodedata
from dataclasses import dataclass

import numpy as np

K = 5
NUM_PERM = 128
SEED = 1
MIN_PASSAGE = 12

_BIN_BITS = 7  # log2(NUM_PERM)
_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_PRIME = np.uint64(1_000_003)
_LOW = np.uint64((1 << (64 - _BIN_BITS)) - 1)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

# What a comparison leaves out: whitespace and every punctuation mark or symbol of the ASCII,
# Latin-1, general punctuation, arrows to miscellaneous symbols, CJK punctuation and full-width
# forms blocks — a table over the code points, so that a text is filtered in numpy.
_DROPPED_RANGES = (
    (0x00, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0xBF), (0x2000, 0x206F),
    (0x2190, 0x2BFF), (0x3000, 0x303F), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F),
    (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF65),
)  # fmt: skip
_DROPPED = np.zeros(0x110000, dtype=bool)
for _lo, _hi in _DROPPED_RANGES:
    _DROPPED[_lo : _hi + 1] = True
_DROPPED[[0x85, 0x1680, 0xFEFF]] = True  # the other whitespace


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


# Full-width ASCII (ＡＢＣ１２３) is the compatibility form met in nearly every Chinese text: it is
# mapped in numpy. A text holding any other character NFKC changes (a circled digit, a ligature)
# goes through unicodedata, character by character (NFKC of a whole text costs 0.3 ms).
_FULL_WIDTH = (0xFF01, 0xFF5E, 0xFEE0)
_COMPAT = np.zeros(0x10000, dtype=bool)
for _c in range(0x10000):
    if not 0xD800 <= _c <= 0xDFFF and unicodedata.normalize("NFKC", chr(_c)) != chr(_c):
        _COMPAT[_c] = True
_COMPAT[_FULL_WIDTH[0] : _FULL_WIDTH[1] + 1] = False


def kept(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The code points a comparison reads (NFKC, without what _DROPPED leaves out), and for each
    its index in `text` (for marking passages on the original)."""
    codes = _code_points(text or "")
    if _COMPAT[np.minimum(codes, 0xFFFF)].any():
        pairs = [(c, i) for i, ch in enumerate(text) for c in unicodedata.normalize("NFKC", ch)]
        codes = _code_points("".join(c for c, _i in pairs))
        positions = np.array([i for _c, i in pairs], dtype=np.int64)
    else:
        positions = None
    lo, hi, shift = _FULL_WIDTH
    codes = np.where((codes >= lo) & (codes <= hi), codes - shift, codes).astype(np.uint32)
    idx = np.flatnonzero(~_DROPPED[codes])
    return codes[idx], (idx if positions is None else positions[idx])


def normalise(text: str) -> str:
    codes, _idx = kept(text)
    return codes.astype("<u4").tobytes().decode("utf-32-le")


def digest(text: str) -> str:
    """What says a text changed (the normalised text's SHA-1)."""
    return digest_of(kept(text)[0])


def digest_of(codes: np.ndarray) -> str:
    return hashlib.sha1(codes.astype("<u4").tobytes(), usedforsecurity=False).hexdigest()


def _mix(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * _M1
        h = (h ^ (h >> np.uint64(27))) * _M2
        return h ^ (h >> np.uint64(31))


def shingle_hashes(codes: np.ndarray) -> np.ndarray:
    """The 64-bit hash of each K-character shingle of the kept code points, in order (one per
    position; a text shorter than K is one shingle)."""
    codes = codes.astype(np.uint64)
    if len(codes) == 0:
        return np.zeros(0, dtype=np.uint64)
    n = max(len(codes) - K + 1, 1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(K, len(codes))):
            h = h * _PRIME + codes[j : j + n]
    return _mix(h)


def signatures(hash_arrays: list[np.ndarray]) -> np.ndarray:
    """One-permutation MinHash of many texts at once: a (texts × NUM_PERM) array of uint64
    (empty bins densified; a text without shingles is all _EMPTY)."""
    sig = np.full((len(hash_arrays), NUM_PERM), _EMPTY, dtype=np.uint64)
    for i, h in enumerate(hash_arrays):
        if not len(h):
            continue
        # The bin in the top bits, the value below: sorted, each bin's least value comes first.
        ordered = np.sort((h << np.uint64(64 - _BIN_BITS)) | (h >> np.uint64(_BIN_BITS)))
        bins = (ordered >> np.uint64(64 - _BIN_BITS)).astype(np.int64)
        first = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
        sig[i, bins[first]] = ordered[first] & _LOW
        if len(first) < NUM_PERM:
            sig[i] = _densify(sig[i])
    return sig


def _densify(row: np.ndarray) -> np.ndarray:
    """Rotation densification: an empty bin takes the next non-empty bin's value (circularly),
    salted by the distance, so two texts agree on it as often as on the bin it copies."""
    full = np.flatnonzero(row != _EMPTY)
    if not len(full):
        return row
    out = row.copy()
    for j in np.flatnonzero(row == _EMPTY):
        k = full[np.searchsorted(full, j) % len(full)]
        distance = (k - j) % NUM_PERM
        with np.errstate(over="ignore"):
            out[j] = _mix(np.array([row[k] + np.uint64(distance)], dtype=np.uint64))[0] >> 7
    return out


def hashes(text: str) -> np.ndarray:
    return shingle_hashes(kept(text)[0])


def signature(text: str) -> np.ndarray:
    return signatures([hashes(text)])[0]


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a == b))


# --- The exact share and the passages ------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A copied passage: [a_start, a_end) of the first text is [b_start, b_end) of the second,
    in the original texts' indices."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True)
class Comparison:
    share: float  # of the first text's characters, in a passage found in the second (0–1)
    jaccard: float  # of the two shingle sets
    passages: tuple[Passage, ...]
    copied_chars: int
    length: int  # the first text's normalised length


NOTHING = Comparison(0.0, 0.0, (), 0, 0)


class Prepared:
    """A text made ready for comparison: normalised, mapped to its original, shingled."""

    __slots__ = ("text", "length", "idx", "hashes", "unique")

    def __init__(self, text: str):
        self.text = text or ""
        codes, self.idx = kept(self.text)
        self.length = len(codes)
        self.hashes = shingle_hashes(codes)
        self.unique = np.unique(self.hashes)


def compare(a: str | Prepared, b: str | Prepared) -> Comparison:
    """How much of `a` is copied from `b`: the share, the Jaccard, the passages."""
    a = a if isinstance(a, Prepared) else Prepared(a)
    b = b if isinstance(b, Prepared) else Prepared(b)
    if a.length < K or b.length < K:
        return Comparison(0.0, 0.0, (), 0, a.length)
    inter = len(np.intersect1d(a.unique, b.unique, assume_unique=True))
    jaccard = inter / (len(a.unique) + len(b.unique) - inter)
    covered = np.zeros(a.length + 1, dtype=np.int32)
    passages = []
    for i, j, p in _runs(a.hashes, b.hashes):  # shingles i..j of a are p..p+(j-i) of b
        if j - i + K < MIN_PASSAGE:
            continue
        covered[i] += 1
        covered[j + K] -= 1
        passages.append(
            Passage(
                int(a.idx[i]),
                int(a.idx[j + K - 1]) + 1,
                int(b.idx[p]),
                int(b.idx[p + j - i + K - 1]) + 1,
            )
        )
    copied = int(np.count_nonzero(np.cumsum(covered[:-1])))
    return Comparison(copied / a.length, jaccard, tuple(passages), copied, a.length)


def _runs(ah: np.ndarray, bh: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of consecutive shingles of a found consecutively in b, as (first, last, first in b).
    A shingle of a is placed where the previous one's place in b goes on, when b has it there
    (a stock phrase met many times in b stays in its passage), else at its first place in b; a
    run is a stretch of them on one diagonal (place in b less place in a)."""
    if not len(ah) or not len(bh):
        return []
    order = np.argsort(bh, kind="stable")
    sorted_b = bh[order]
    at = np.minimum(np.searchsorted(sorted_b, ah), len(sorted_b) - 1)
    found = sorted_b[at] == ah
    hits = np.flatnonzero(found)
    if not len(hits):
        return []
    first_place = order[at[hits]].tolist()
    a_list, b_list, nb = ah.tolist(), bh.tolist(), len(bh)
    places, prev_i, prev_p = [], -2, -2
    for i, p in zip(hits.tolist(), first_place, strict=True):
        if prev_i == i - 1 and prev_p + 1 < nb and b_list[prev_p + 1] == a_list[i]:
            p = prev_p + 1
        places.append(p)
        prev_i, prev_p = i, p
    place = np.array(places)
    diagonal = place - hits
    breaks = np.flatnonzero((np.diff(hits) != 1) | (np.diff(diagonal) != 0)) + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [len(hits) - 1]))
    return [(int(hits[f]), int(hits[t]), int(place[f])) for f, t in zip(firsts, lasts, strict=True)]


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[dict]:
    """`text` cut into pieces for marking: {"text", "n"} where n is the passage's number (from 1)
    for a copied piece and 0 otherwise. `spans` are (start, end, number), not overlapping."""
    out, at = [], 0
    for start, end, number in sorted(spans):
        start = max(start, at)
        if start >= end:
            continue
        if start > at:
            out.append({"text": text[at:start], "n": 0})
        out.append({"text": text[start:end], "n": number})
        at = end
    if at < len(text):
        out.append({"text": text[at:], "n": 0})
    return out
