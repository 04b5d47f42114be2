#!/usr/bin/env python3
"""scikit-learn KMeans on the vectors Chorus clusters, for docs/perf/cluster.md.

    /usr/bin/python3 tools/kmeans_sklearn.py VECTORS.f32 DIMS K MAX_ITER SEED...

VECTORS.f32 is raw little-endian float32, one row of DIMS per document, as written by
`tools/cluster_bench.sh export`. Same settings as Chorus's fine level: init='k-means++' (greedy,
2 + ln k local trials), n_init=1, algorithm='lloyd', the same max_iter, tol=0 so Lloyd stops
only when no label changes (or at max_iter), as Chorus does. One JSON line per seed.
Threads: OpenMP uses all cores (2 here), as Chorus's k-means does.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans


def main():
    path, dims, k, max_iter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    seeds = [int(s) for s in sys.argv[5:]] or [0]
    x = np.fromfile(path, dtype="<f4").reshape(-1, dims)
    KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=2, tol=0.0, random_state=99,
           algorithm="lloyd").fit(x)  # warm-up, as the Java side warms up its JIT
    for seed in seeds:
        km = KMeans(n_clusters=k, init="k-means++", n_init=1, max_iter=max_iter, tol=0.0,
                    random_state=seed, algorithm="lloyd")
        start = time.perf_counter()
        km.fit(x)
        seconds = time.perf_counter() - start
        print(json.dumps({"impl": "sklearn", "n": x.shape[0], "k": k, "seed": seed, "seconds": round(seconds, 3),
                          "inertia": float(km.inertia_), "iterations": int(km.n_iter_)}), flush=True)


if __name__ == "__main__":
    main()
