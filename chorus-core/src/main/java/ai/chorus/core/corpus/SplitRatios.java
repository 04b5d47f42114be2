package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;

/**
 * Train/valid/test fractions. A document's split is a pure function of its id, so re-running
 * never reshuffles and adding documents never moves existing ones.
 */
public record SplitRatios(double train, double valid, double test) {
    public static final SplitRatios DEFAULT = new SplitRatios(0.90, 0.05, 0.05);

    public SplitRatios {
        if (train <= 0 || valid < 0 || test < 0 || Math.abs(train + valid + test - 1.0) > 1e-6) {
            throw new InvalidInputException("--split " + train + "/" + valid + "/" + test
                    + " must be three non-negative fractions summing to 1 with train > 0, e.g. 0.9/0.05/0.05");
        }
    }

    /** Parses "0.9/0.05/0.05" or "90/5/5". */
    public static SplitRatios parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 3) {
            throw new InvalidInputException("--split '" + text + "' must look like 90/5/5 or 0.9/0.05/0.05");
        }
        double[] v = new double[3];
        try {
            for (int i = 0; i < 3; i++) {
                v[i] = Double.parseDouble(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--split '" + text + "' must look like 90/5/5 or 0.9/0.05/0.05");
        }
        double sum = v[0] + v[1] + v[2];
        if (!(sum > 0)) {
            throw new InvalidInputException("--split '" + text + "' must have a positive sum");
        }
        return new SplitRatios(v[0] / sum, v[1] / sum, v[2] / sum);
    }

    /** The split of a document id, from the id's leading 64 bits mapped to [0, 1). */
    public Split splitOf(DocumentId id) {
        double u = (id.high() >>> 11) * 0x1.0p-53;
        if (u < train) {
            return Split.TRAIN;
        }
        return u < train + valid ? Split.VALID : Split.TEST;
    }

    @Override
    public String toString() {
        return train + "/" + valid + "/" + test;
    }
}
