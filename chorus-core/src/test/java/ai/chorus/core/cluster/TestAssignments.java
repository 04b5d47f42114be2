package ai.chorus.core.cluster;

import ai.chorus.core.corpus.Split;

/** Cluster assignments made up by a test (fine cluster = expert), for tests outside this package. */
public final class TestAssignments {
    private TestAssignments() {}

    /** Document i (in index order) has {@code split[i]} and {@code expert[i]}. */
    public static ClusterAssignments of(Split[] split, int[] expert) {
        int n = split.length;
        int[] docIndex = new int[n];
        byte[] splits = new byte[n];
        for (int i = 0; i < n; i++) {
            docIndex[i] = i;
            splits[i] = (byte) split[i].ordinal();
        }
        return new ClusterAssignments(docIndex, splits, expert.clone(), expert.clone());
    }
}
