package ai.chorus.core.cluster;

import ai.chorus.core.corpus.Split;

/**
 * One document as the clustering step sees it, independent of how documents are stored.
 *
 * @param docIndex the document's index in the run's document index (unique, ≥ 0)
 * @param split its split; the vectorizer and the clusters are fitted on {@link Split#TRAIN} only
 * @param label an optional label for analysis (purity, NMI, label mix); null if none
 * @param text the document text
 * @param tokens its length in model tokens, which weights the balance between experts
 */
public record ClusterInput(int docIndex, Split split, String label, String text, long tokens) {}
