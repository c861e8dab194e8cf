"""Copy-through documents (the gate, gate/copies/): the index and the query at 100,000 documents.

    .venv/bin/python bench/copies.py [--docs 100000] [--queries 200]

Builds its own data in memory, from one seed: 100,000 documents of 2,000–5,000 characters, each a
sequence of words (two to four characters) drawn from a vocabulary of 6,000, with a comma or a
full stop every few words — honest documents share words and short phrases, seldom a clause —
and, among them, PLANTED near-copies: a document whose text is an earlier one's with a share of
its words replaced (0 %, 5 %, 10 %, 20 %, 30 % or 45 %, in equal numbers) and a paragraph of its
own added, so their true Jaccard spreads from about 0.2 to 1.

Figures (one process, the same data):
- index_s: the index of all documents as the nightly job builds it — each text normalised,
  shingled, hashed and signed (text.signatures), then the LSH built from the signatures' bytes
  (index.build, what index.current() does with the stored rows). One process: the signatures
  take some 0.1 ms a document in numpy, so neither multiprocessing over the two cores nor rensa
  was needed. The database's writes of the rows are not counted (bulk inserts of 100,000 small
  rows, measured by the registry's import bench).
- index_anchor_s: just normalising, shingling and hashing the same texts (text.hashes), the same
  way; index_vs_anchor_ratio = index_s / index_anchor_s.
- query_ms: one query as queries.similar makes it — the text prepared, its signature, the LSH's
  candidates, the exact share and passages for each candidate — median over the queries (half
  planted copies, half honest documents); query_with_candidates_ms, the median of the queries that
  found at least one candidate (and so compared texts exactly).
- recall: of the labelled pairs (every planted pair, and 2,000 random pairs) whose true shingle
  Jaccard is at least index.THRESHOLD, the share the LSH returns (the source among the copy's
  candidates). Also recall_at_0_3, and candidates_median (how many documents a query compares
  exactly).
- datasketch_ms_per_doc: datasketch's own MinHash.update_batch (128 permutations, a Python call per
  shingle) on 200 of the documents, for comparison with the signatures' per-document cost
  (signature_ms_per_doc).
"""

import argparse
import random
import statistics
import time

import numpy as np
from _setup import figure, start

start("gate_copies")

from datasketch import MinHash  # noqa: E402

from jianfu.gate.copies import index, text  # noqa: E402

RATES = (0.0, 0.05, 0.10, 0.20, 0.30, 0.45)
SEED = 20251


def vocabulary(rng: np.random.Generator, n: int = 6000):
    lengths = rng.choice([2, 2, 2, 3, 4, 4], size=n)
    codes = rng.integers(0x4E00, 0x4E00 + 3500, size=int(lengths.sum()), dtype=np.uint32)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    pieces = zip(starts, lengths, strict=True)
    words = [codes[s : s + k].tobytes().decode("utf-32-le") for s, k in pieces]
    # Punctuation as words: a comma or a full stop every few words.
    return words + ["，"] * 600 + ["。"] * 200


def make_words(rng: np.random.Generator, n_words: int, v: int) -> np.ndarray:
    return rng.integers(0, v, size=n_words, dtype=np.int32)


def render(words: list[str], ids: np.ndarray) -> str:
    return "".join([words[i] for i in ids.tolist()])


def build(n_docs: int, rng: np.random.Generator, words: list[str]):
    """Word ids of every document, and the planted pairs (copy, source, rate)."""
    v = len(words)
    docs = [make_words(rng, int(rng.integers(800, 2000)), v) for _ in range(n_docs)]
    planted = []
    n_planted = n_docs // 50
    copies = rng.choice(np.arange(n_docs // 2, n_docs), size=n_planted, replace=False)
    for k, c in enumerate(copies.tolist()):
        s = int(rng.integers(0, n_docs // 2))
        rate = RATES[k % len(RATES)]
        ids = docs[s].copy()
        replaced = rng.random(len(ids)) < rate
        ids[replaced] = rng.integers(0, v, size=int(replaced.sum()))
        own = make_words(rng, int(rng.integers(50, 200)), v)
        docs[c] = np.concatenate([ids, own])
        planted.append((c, s, rate))
    return docs, planted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    words = vocabulary(rng)
    t = time.perf_counter()
    ids, planted = build(args.docs, rng, words)
    texts = [render(words, d)[:5000] for d in ids]
    del ids
    lengths = [len(x) for x in texts]
    print(
        f"built {len(texts)} documents ({min(lengths)}–{max(lengths)} characters, "
        f"mean {statistics.mean(lengths):.0f}), {len(planted)} planted copies, "
        f"{time.perf_counter() - t:.1f} s",
        flush=True,
    )

    # The anchor: normalise, shingle and hash every text.
    t = time.perf_counter()
    for x in texts:
        text.hashes(x)
    anchor_s = time.perf_counter() - t

    # The index: signatures (in batches, as index._sign does), then the LSH from their bytes.
    t = time.perf_counter()
    rows = []
    for first in range(0, len(texts), index.BATCH):
        batch = texts[first : first + index.BATCH]
        sigs = text.signatures([text.hashes(x) for x in batch])
        rows.extend((first + i, 0, s.tobytes()) for i, s in enumerate(sigs))
    signed_s = time.perf_counter() - t
    built = index.build(rows)
    index_s = time.perf_counter() - t
    signatures = {doc_id: np.frombuffer(raw, dtype=np.uint64) for doc_id, _u, raw in rows}
    print(f"signatures {signed_s:.1f} s, LSH {index_s - signed_s:.1f} s", flush=True)

    # Queries: half planted copies, half honest documents.
    qrng = random.Random(SEED)
    planted_ids = [c for c, _s, _r in planted]
    asked = qrng.sample(planted_ids, args.queries // 2) + qrng.sample(
        range(len(texts)), args.queries - args.queries // 2
    )
    samples, candidates = [], []
    for q in asked:
        t = time.perf_counter()
        prepared = text.Prepared(texts[q])
        sig = text.signatures([prepared.hashes])[0]
        found = [d for d in built.candidates(sig) if d != q]
        for d in found:
            text.compare(prepared, text.Prepared(texts[d]))
        samples.append((time.perf_counter() - t) * 1000)
        candidates.append(len(found))

    # Recall against the exact Jaccard on a labelled sample.
    pairs = [(c, s) for c, s, _r in planted]
    pairs += [tuple(qrng.sample(range(len(texts)), 2)) for _ in range(2000)]
    truth = []
    for a, b in pairs:
        ua, ub = np.unique(text.hashes(texts[a])), np.unique(text.hashes(texts[b]))
        inter = len(np.intersect1d(ua, ub, assume_unique=True))
        j = inter / (len(ua) + len(ub) - inter)
        truth.append((a, b, j, b in built.candidates(signatures[a])))

    def recall(at: float) -> tuple[float, int]:
        wanted = [hit for _a, _b, j, hit in truth if j >= at]
        return (sum(wanted) / len(wanted) if wanted else float("nan")), len(wanted)

    r, n = recall(index.THRESHOLD)
    r3, n3 = recall(0.3)
    print(
        f"labelled pairs: {len(truth)}; Jaccard ≥ {index.THRESHOLD}: {n}; ≥ 0.3: {n3}; "
        f"random pairs found: {sum(hit for _a, _b, j, hit in truth[len(planted) :])}",
        flush=True,
    )

    t = time.perf_counter()
    for x in texts[:200]:
        norm = text.normalise(x)
        m = MinHash(num_perm=text.NUM_PERM)
        m.update_batch([norm[i : i + text.K].encode() for i in range(len(norm) - text.K + 1)])
    datasketch_ms = (time.perf_counter() - t) / 200 * 1000

    figure("index_s", round(index_s, 2))
    figure("index_anchor_s", round(anchor_s, 2))
    figure("index_vs_anchor_ratio", round(index_s / anchor_s, 2))
    figure("signature_ms_per_doc", round(signed_s / len(texts) * 1000, 4))
    figure("datasketch_ms_per_doc", round(datasketch_ms, 2))
    figure("query_ms", round(statistics.median(samples), 2))
    figure("query_p95_ms", round(sorted(samples)[int(len(samples) * 0.95)], 2))
    figure("candidates_median", statistics.median(candidates))
    # The queries that found a copy, so also compared texts exactly (the median above includes
    # honest documents, which find none).
    found_ms = [ms for ms, n in zip(samples, candidates, strict=True) if n]
    figure("query_with_candidates_ms", round(statistics.median(found_ms), 2) if found_ms else "n/a")
    figure("queries_with_candidates", len(found_ms))
    figure("recall", round(r, 4))
    figure("recall_at_0_3", round(r3, 4))


if __name__ == "__main__":
    main()
