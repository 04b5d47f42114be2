package ai.chorus.core.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * Cluster quality against reference labels (docs/METHODS.md §2.5), both over the same N items:
 * purity = (1/N) Σ_k max_j n_kj, and NMI = I(Ω;C) / ((H(Ω) + H(C)) / 2) — the arithmetic mean, as
 * scikit-learn's {@code normalized_mutual_info_score} by default. Natural logarithms (NMI is
 * base-free). Two one-cluster partitions count as identical (NMI 1), as in scikit-learn.
 */
public final class ClusterMetrics {
    private ClusterMetrics() {}

    public static double purity(int[] clusters, int[] labels) {
        Contingency t = new Contingency(clusters, labels);
        Map<Integer, Long> bestPerCluster = new HashMap<>();
        t.cells.forEach((key, count) -> bestPerCluster.merge((int) (key >> 32), count, Math::max));
        long correct = 0;
        for (long c : bestPerCluster.values()) {
            correct += c;
        }
        return (double) correct / clusters.length;
    }

    public static double nmi(int[] clusters, int[] labels) {
        Contingency t = new Contingency(clusters, labels);
        if (t.clusterSizes.size() == 1 && t.labelSizes.size() == 1) {
            return 1.0;
        }
        double n = clusters.length;
        double mutual = 0;
        for (Map.Entry<Long, Long> cell : t.cells.entrySet()) {
            double nkj = cell.getValue();
            double nk = t.clusterSizes.get((int) (cell.getKey() >> 32));
            double nj = t.labelSizes.get((int) (long) cell.getKey());
            mutual += nkj / n * Math.log(n * nkj / (nk * nj));
        }
        double mean = (entropy(t.clusterSizes, n) + entropy(t.labelSizes, n)) / 2;
        return mean > 0 ? Math.max(0, mutual) / mean : 0.0;
    }

    private static double entropy(Map<Integer, Long> sizes, double n) {
        double h = 0;
        for (long size : sizes.values()) {
            double p = size / n;
            h -= p * Math.log(p);
        }
        return h;
    }

    private static final class Contingency {
        final Map<Long, Long> cells = new HashMap<>();
        final Map<Integer, Long> clusterSizes = new HashMap<>();
        final Map<Integer, Long> labelSizes = new HashMap<>();

        Contingency(int[] clusters, int[] labels) {
            if (clusters.length != labels.length || clusters.length == 0) {
                throw new IllegalArgumentException("need equally many (> 0) clusters and labels: "
                        + clusters.length + " vs " + labels.length);
            }
            for (int i = 0; i < clusters.length; i++) {
                cells.merge((long) clusters[i] << 32 | (labels[i] & 0xffffffffL), 1L, Long::sum);
                clusterSizes.merge(clusters[i], 1L, Long::sum);
                labelSizes.merge(labels[i], 1L, Long::sum);
            }
        }
    }
}
