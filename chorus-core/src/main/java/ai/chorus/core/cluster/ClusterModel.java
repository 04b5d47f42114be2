package ai.chorus.core.cluster;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import ai.chorus.engine.kernel.Vec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The fitted clusters as the router uses them: the vectorizer, the fine centroids, the fine → expert
 * map and the expert centroids. Embeds a text exactly as {@link ClusterStep} embedded the training
 * documents and measures its distance to every centre. Immutable and thread-safe.
 *
 * <p>Files in the clusters directory: {@code vectorizer.json} + {@code vectorizer.f32} (see
 * {@link HashedTfIdf}), {@code centroids.json} + {@code centroids.f32}: the header holds
 * dims, fine, experts, fineToExpert, fineTokens and the data file's count and CRC-32; the data is
 * little-endian float32, the M fine centroids (row-major, M × dims) followed by the K unit-length
 * expert centroids (K × dims).
 */
public final class ClusterModel {
    static final String HEADER_FILE = "centroids.json";
    static final String DATA_FILE = "centroids.f32";
    private static final String FORMAT = "chorus-centroids";
    private static final int VERSION = 1;

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
        ObjectMapper json = new ObjectMapper();
        HashedTfIdf vectorizer = HashedTfIdf.read(clustersDir, json);
        Path headerFile = clustersDir.resolve(HEADER_FILE);
        JsonNode h;
        try {
            h = json.readTree(Files.readString(headerFile));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(headerFile + " is missing; run `chorus cluster` first");
        } catch (IOException e) {
            throw new InvalidInputException(headerFile + " is not valid JSON (" + e.getMessage()
                    + "); re-run `chorus cluster`", e);
        }
        int dims = h.path("dims").asInt(-1);
        int fine = h.path("fine").asInt(-1);
        int experts = h.path("experts").asInt(-1);
        JsonNode map = h.path("fineToExpert");
        JsonNode tokens = h.path("fineTokens");
        if (!FORMAT.equals(h.path("format").asText()) || h.path("version").asInt() != VERSION
                || dims != vectorizer.dims() || fine < 1 || experts < 1 || experts > fine
                || map.size() != fine || tokens.size() != fine) {
            throw new InvalidInputException(headerFile + " does not describe " + FORMAT + " version " + VERSION
                    + " centroids matching vectorizer.json; re-run `chorus cluster`");
        }
        int[] fineToExpert = new int[fine];
        long[] fineTokens = new long[fine];
        for (int i = 0; i < fine; i++) {
            fineToExpert[i] = map.get(i).asInt(-1);
            fineTokens[i] = tokens.get(i).asLong();
            if (fineToExpert[i] < 0 || fineToExpert[i] >= experts) {
                throw new InvalidInputException(headerFile + " maps fine cluster " + i + " to a non-existent expert;"
                        + " re-run `chorus cluster`");
            }
        }
        JsonNode data = h.path("data");
        float[] all = Float32File.read(clustersDir.resolve(DATA_FILE), (long) (fine + experts) * dims,
                data.path("crc32").asLong());
        return new ClusterModel(vectorizer, Arrays.copyOf(all, fine * dims), fineToExpert, fineTokens,
                Arrays.copyOfRange(all, fine * dims, all.length));
    }

    void write(Path dir, ObjectMapper json) throws IOException {
        float[] all = Arrays.copyOf(fineCentroids, fineCentroids.length + expertCentroids.length);
        System.arraycopy(expertCentroids, 0, all, fineCentroids.length, expertCentroids.length);
        long crc = Float32File.write(dir.resolve(DATA_FILE), all);
        ObjectNode h = json.createObjectNode();
        h.put("format", FORMAT);
        h.put("version", VERSION);
        h.put("dims", dims);
        h.put("fine", fineClusters());
        h.put("experts", experts());
        ArrayNode map = h.putArray("fineToExpert");
        ArrayNode tokens = h.putArray("fineTokens");
        for (int i = 0; i < fineToExpert.length; i++) {
            map.add(fineToExpert[i]);
            tokens.add(fineTokens[i]);
        }
        ObjectNode data = h.putObject("data");
        data.put("file", DATA_FILE);
        data.put("dtype", "float32-le");
        data.put("layout", "fine centroids (fine x dims, row-major), then unit-length expert centroids (experts x dims)");
        data.put("count", all.length);
        data.put("crc32", crc);
        AtomicFiles.writeString(dir.resolve(HEADER_FILE), json.writeValueAsString(h) + "\n");
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
