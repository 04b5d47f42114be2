#!/usr/bin/env python3
"""The scikit-learn side of tools/cluster_quality.sh, and its table.

    /usr/bin/python3 tools/cluster_quality.py labels CORPUS.jsonl.gz          # prints K
    /usr/bin/python3 tools/cluster_quality.py sklearn CORPUS.jsonl.gz OUT.json SEED...
    /usr/bin/python3 tools/cluster_quality.py table RESULTS_DIR...

sklearn: the c-BTM recipe, unbalanced: TfidfVectorizer(word uni+bigrams, sublinear tf, min_df=2) →
TruncatedSVD(256) (exact, see truncated_svd) → unit length → KMeans(K = number of labels, k-means++, n_init=10), fitted on every
document of the corpus (Chorus fits on its train split and assigns the held-out 10 %; both score
all documents). NMI is the arithmetic-mean NMI (as ClusterMetrics), purity the share of documents
in their cluster's majority label, balance the smallest and largest cluster's share of the corpus's
bytes times K (1.0 = fair; Chorus's are token shares of its train split). Time: wall seconds of
vectorize (once; deterministic) + SVD + k-means; OpenMP uses all cores (2 here), as Chorus does.

table: RESULTS_DIR holds, per corpus, chorus-seed*.json (clusters/summary.json plus "seconds") and
sklearn.json, as cluster_quality.sh writes them; prints one markdown row per corpus.
"""
import glob
import gzip
import json
import os
import statistics
import sys
import time


def load(path):
    texts, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts.append(d["text"])
            labels.append(d["domain"])
    return texts, labels


def purity(clusters, labels):
    from collections import Counter
    by = {}
    for c, l in zip(clusters, labels):
        by.setdefault(c, Counter())[l] += 1
    return sum(max(v.values()) for v in by.values()) / len(labels)


def truncated_svd(x, dims):
    """What TruncatedSVD(dims).fit_transform(x) approximates (U_k Σ_k), computed exactly from the
    n × n Gram matrix: for a few thousand documents and a bigram vocabulary of ~10^5-10^6 terms it
    is several times cheaper than the randomized solver, whose QR steps on vocabulary × 266 matrices
    dominated the run on this 2-core machine."""
    import numpy as np
    gram = (x @ x.T).toarray()
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:dims]
    return vectors[:, top] * np.sqrt(np.clip(values[top], 0, None))


def sklearn_runs(corpus, out, seeds):
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score
    from sklearn.preprocessing import normalize

    texts, labels = load(corpus)
    k = len(set(labels))
    sizes = [len(t.encode("utf-8")) for t in texts]
    runs = []
    start, cpu_start = time.perf_counter(), time.process_time()
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform(texts)
    vectorize = time.perf_counter() - start  # deterministic, so done once; each seed's time includes it
    vectorize_cpu = time.process_time() - cpu_start
    for seed in seeds:
        start, cpu_start = time.perf_counter(), time.process_time()
        z = normalize(truncated_svd(x, 256))
        clusters = KMeans(k, init="k-means++", n_init=10, random_state=seed).fit_predict(z)
        seconds = vectorize + time.perf_counter() - start
        cpu = vectorize_cpu + time.process_time() - cpu_start  # all threads of this process
        share = [0] * k
        for c, s in zip(clusters, sizes):
            share[c] += s
        runs.append({"seed": seed, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "documents": len(texts), "k": k,
                     "nmi": normalized_mutual_info_score(labels, clusters, average_method="arithmetic"),
                     "purity": purity(clusters, labels),
                     "min_share": min(share) * k / sum(sizes), "max_share": max(share) * k / sum(sizes)})
        print(json.dumps(runs[-1]), flush=True)
    with open(out, "w") as f:
        json.dump(runs, f)


def spread(values, fmt):
    if len(values) == 1:
        return fmt % values[0]
    return (fmt + " (" + fmt + "–" + fmt + ")") % (statistics.median(values), min(values), max(values))


def table(dirs):
    print("| corpus | K | docs | Chorus NMI | sklearn NMI | Chorus purity | sklearn purity "
          "| Chorus balance min–max | sklearn balance min–max | Chorus s (docs/s), wall | sklearn s (docs/s), wall | sklearn CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for d in dirs:
        chorus = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, "chorus-seed*.json")))]
        sk_path = os.path.join(d, "sklearn.json")
        sk = json.load(open(sk_path)) if os.path.exists(sk_path) else []
        if not chorus or not sk:
            print("| %s | (missing: %s) |" % (os.path.basename(d.rstrip("/")), "Chorus" if not chorus else "sklearn"))
            continue
        k = sk[0]["k"]
        c_bal = [(min(e["tokenShare"] for e in c["experts"]) * k, max(e["tokenShare"] for e in c["experts"]) * k)
                 for c in chorus]
        c_sec = statistics.median(c["seconds"] for c in chorus)
        s_sec = statistics.median(r["seconds"] for r in sk)
        print("| %s | %d | %d | %s | %s | %s | %s | %.2f–%.2f | %.2f–%.2f | %.0f (%.0f) | %.0f (%.0f) | %s |" % (
            os.path.basename(d.rstrip("/")), k, sk[0]["documents"],
            spread([c["nmi"] for c in chorus], "%.3f"), spread([r["nmi"] for r in sk], "%.3f"),
            spread([c["purity"] for c in chorus], "%.3f"), spread([r["purity"] for r in sk], "%.3f"),
            min(b[0] for b in c_bal), max(b[1] for b in c_bal),
            min(r["min_share"] for r in sk), max(r["max_share"] for r in sk),
            c_sec, chorus[0]["labelledDocuments"] / c_sec, s_sec, sk[0]["documents"] / s_sec,
            "%.1f" % statistics.median(r["cpu_seconds"] for r in sk) if all("cpu_seconds" in r for r in sk) else "—"))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "labels":
        print(len(set(load(sys.argv[2])[1])))
    elif cmd == "sklearn":
        sklearn_runs(sys.argv[2], sys.argv[3], [int(s) for s in sys.argv[4:]] or [0])
    elif cmd == "table":
        table(sys.argv[2:])
    else:
        sys.exit(__doc__.strip())


if __name__ == "__main__":
    main()
