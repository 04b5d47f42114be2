package ai.chorus.core.cluster;

import ai.chorus.engine.FloatTensor;
import ai.chorus.engine.kernel.Vec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fitted clusters as the router uses them: the vectorizer, the fine centroids, the fine → expert
 * map and the expert centroids. Embeds a text exactly as {@link ClusterStep} embedded the training
 * documents and measures its distance to every centre. Immutable and thread-safe.
 *
 * <p>Files in the clusters directory: {@code vectorizer.safetensors} (see {@link HashedTfIdf}) and
 * {@code centroids.safetensors} (see {@link #write}).
 */
public final class ClusterModel {
    static final String FILE = "centroids.safetensors";
    /** The header of the former format (with {@code centroids.f32}). */
    static final String LEGACY_FILE = "centroids.json";
    private static final String FORMAT = "chorus-centroids";
    /** 2: one safetensors file (1: a JSON header and a raw float32 file). */
    private static final int VERSION = 2;

    private final HashedTfIdf vectorizer;
    private final int dims;
    private final float[] fineCentroids;
    private final float[] fineNorms;
    private final int[] fineToExpert;
    private final long[] fineTokens;
    private final float[] expertCentroids;
    private final ThreadLocal<HashedTfIdf.Embedder> embedders;

    ClusterModel(HashedTfIdf vectorizer, float[] fineCentroids, int[] fineToExpert, long[] fineTokens,
                 float[] expertCentroids) {
        this.vectorizer = vectorizer;
        this.dims = vectorizer.dims();
        this.fineCentroids = fineCentroids;
        this.fineNorms = KMeans.squaredNorms(fineCentroids, fineToExpert.length, dims);
        this.fineToExpert = fineToExpert;
        this.fineTokens = fineTokens;
        this.expertCentroids = expertCentroids;
        this.embedders = ThreadLocal.withInitial(vectorizer::embedder);
    }

    /** Loads {@code clustersDir}; a missing, mismatched or corrupt file is an InvalidInputException. */
    public static ClusterModel load(Path clustersDir) {
        HashedTfIdf vectorizer = HashedTfIdf.read(clustersDir);
        ClusterFiles.Contents c = ClusterFiles.read(clustersDir, FILE, LEGACY_FILE, FORMAT, VERSION);
        FloatTensor fine = c.tensor("fine", 2);
        FloatTensor experts = c.tensor("experts", 2);
        int m = fine.shape()[0];
        int k = experts.shape()[0];
        if (fine.shape()[1] != vectorizer.dims() || experts.shape()[1] != vectorizer.dims() || k < 1 || k > m) {
            throw ClusterFiles.corrupt(c.file(), "does not hold centroids matching " + HashedTfIdf.FILE);
        }
        long[] map = numbers(c, "fine_to_expert", m);
        int[] fineToExpert = new int[m];
        for (int i = 0; i < m; i++) {
            if (map[i] < 0 || map[i] >= k) {
                throw ClusterFiles.corrupt(c.file(), "maps fine cluster " + i + " to a non-existent expert");
            }
            fineToExpert[i] = (int) map[i];
        }
        long[] fineTokens = numbers(c, "fine_tokens", m);
        return new ClusterModel(vectorizer, fine.data(), fineToExpert, fineTokens, experts.data());
    }

    /** A metadata field holding a JSON array of {@code count} whole numbers. */
    private static long[] numbers(ClusterFiles.Contents c, String key, int count) {
        try {
            JsonNode array = new ObjectMapper().readTree(c.text(key));
            long[] values = new long[count];
            for (int i = 0; array.isArray() && array.size() == count && i < count; i++) {
                if (!array.get(i).isIntegralNumber() || !array.get(i).canConvertToLong()) {
                    break;
                }
                values[i] = array.get(i).asLong();
                if (i == count - 1) {
                    return values;
                }
            }
        } catch (JsonProcessingException e) {
            // refused below, as any other malformed field
        }
        throw ClusterFiles.corrupt(c.file(), "has no array of " + count + " whole numbers in " + key);
    }

    /**
     * Writes {@code centroids.safetensors}: tensors {@code fine} [M, dims] (the k-means centroids) and
     * {@code experts} [K, dims] (unit length); the fine → expert map and the train tokens per fine cluster
     * as JSON arrays in the metadata.
     */
    void write(Path dir) throws IOException {
        int m = fineClusters();
        ObjectMapper json = new ObjectMapper();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("fine_to_expert", json.writeValueAsString(fineToExpert));
        metadata.put("fine_tokens", json.writeValueAsString(fineTokens));
        ClusterFiles.write(dir.resolve(FILE), FORMAT, VERSION, metadata, List.of(
                new FloatTensor("fine", new int[] {m, dims}, fineCentroids, 0),
                new FloatTensor("experts", new int[] {experts(), dims}, expertCentroids, 0)));
    }

    public HashedTfIdf vectorizer() {
        return vectorizer;
    }

    public int dims() {
        return dims;
    }

    public int experts() {
        return expertCentroids.length / dims;
    }

    public int fineClusters() {
        return fineToExpert.length;
    }

    public int expertOfFine(int fine) {
        return fineToExpert[fine];
    }

    /** Train tokens in each fine cluster (the weights of the coarse grouping). */
    public long fineTokens(int fine) {
        return fineTokens[fine];
    }

    /** A copy of fine centroid {@code fine}. */
    public float[] fineCentroid(int fine) {
        return Arrays.copyOfRange(fineCentroids, fine * dims, (fine + 1) * dims);
    }

    /** A copy of expert centroid {@code expert} (unit length). */
    public float[] expertCentroid(int expert) {
        return Arrays.copyOfRange(expertCentroids, expert * dims, (expert + 1) * dims);
    }

    /** The unit-length embedding of a text, bit-identical to the one clustering used. */
    public float[] embed(String text) {
        float[] x = new float[dims];
        embedders.get().embed(text, x, 0);
        return x;
    }

    /** Squared Euclidean distance from the text's embedding to every fine centroid. */
    public double[] fineDistances(String text) {
        return fineDistances(embed(text), 0);
    }

    /**
     * Squared Euclidean distance from the text's embedding to every expert centroid — c-BTM's router
     * turns these into weights with a softmax over −d²/T.
     */
    public double[] expertDistances(String text) {
        float[] x = embed(text);
        double[] out = new double[experts()];
        for (int e = 0; e < out.length; e++) {
            out[e] = BalancedGrouping.squaredDistance(x, 0, expertCentroids, e * dims, dims);
        }
        return out;
    }

    /** The nearest fine cluster of a text (lowest index on ties) — the cluster clustering assigned. */
    public int nearestFine(String text) {
        float[] d = rawFineDistances(embed(text));
        int best = 0;
        for (int i = 1; i < d.length; i++) {
            if (d[i] < d[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The expert of the text's nearest fine cluster: the expert a document with this text was given. */
    public int expertOf(String text) {
        return fineToExpert[nearestFine(text)];
    }

    /** Distances computed exactly as the k-means assignment computes them, so nearest clusters agree. */
    double[] fineDistances(float[] x, int offset) {
        float[] raw = rawFineDistances(offset == 0 && x.length == dims ? x : Arrays.copyOfRange(x, offset, offset + dims));
        double[] out = new double[raw.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(0f, raw[i]);
        }
        return out;
    }

    /**
     * Squared distance from the text's unit embedding to each fine centroid scaled to unit length, 2 − 2·cos: the
     * angle only. A k-means centroid is the mean of unit vectors, shorter the more its documents spread, and
     * Euclidean distance ‖x‖² + ‖c‖² − 2x·c favours the shortest centroid for any x that points nowhere in
     * particular, which is what a context of a few tokens embeds to: on the demo such contexts went to the
     * largest, most mixed domain. The angle has no such pull.
     */
    public double[] fineCosineDistances(String text) {
        float[] x = embed(text);
        double[] out = new double[fineToExpert.length];
        for (int i = 0; i < out.length; i++) {
            double norm = Math.sqrt(fineNorms[i]);
            out[i] = norm == 0 ? 2 : Math.max(0, 2 - 2 * Vec.rowDot(x, 0, fineCentroids, i * dims, dims) / norm);
        }
        return out;
    }

    /** ‖x‖² + ‖c‖² − 2 x·c in float, unclamped: the very values {@link KMeans#assign} compares. */
    private float[] rawFineDistances(float[] x) {
        float norm = Vec.rowDot(x, 0, x, 0, dims);
        float[] out = new float[fineToExpert.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = norm + fineNorms[i] - 2f * Vec.rowDot(x, 0, fineCentroids, i * dims, dims);
        }
        return out;
    }
}
