package ai.chorus.core.cluster;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The document vectorizer: TF-IDF over hashed word unigrams and bigrams, reduced to a few hundred
 * dense dimensions by a seeded sparse random projection, unit length.
 *
 * <ol>
 *   <li>terms: {@link WordTerms} (lower-cased words, digit-initial words as {@code #NUMBER}, bigrams);
 *   <li>bucket = murmur3_x86_32(UTF-8 term, seed 0) as unsigned, modulo {@link #buckets()};
 *   <li>weight = (1 + ln tf) · idf, idf = ln((1 + n) / (1 + df)) + 1 fitted on the train split
 *       (scikit-learn's {@code sublinear_tf=True, smooth_idf=True});
 *   <li>projection: every bucket adds ±weight to {@value #PROJECTION_NONZEROS} of the {@link #dims()}
 *       output coordinates, chosen and signed by SplitMix64 of (seed, bucket, slot) — a very sparse
 *       Achlioptas/Kane–Nelson projection, regenerated from the seed on load instead of stored;
 *   <li>the result is scaled to unit L2 length (a text with no words maps to the zero vector).
 * </ol>
 *
 * <p>Why a random projection rather than truncated SVD: it needs no extra pass over the corpus and
 * no sparse matrix in memory, costs O(terms × {@value #PROJECTION_NONZEROS}) per document, and
 * the router can recompute it exactly from the seed; cosine geometry is preserved in expectation.
 * The price is noise (≈ 1/√dims in each cosine) that SVD would have filtered out.
 *
 * <p>Immutable and thread-safe; the per-thread work happens in an {@link Embedder}.
 */
public final class HashedTfIdf {
    public static final int DEFAULT_BUCKETS = 1 << 18;
    public static final int DEFAULT_DIMS = 256;
    static final int PROJECTION_NONZEROS = 8;
    static final String FORMAT = "chorus-hashed-tfidf";
    static final int VERSION = 1;

    private final int buckets;
    private final int dims;
    private final long seed;
    private final long trainDocuments;
    private final float[] idf;
    /** For bucket b, slot s: {@code dim << 1 | negative}. */
    private final int[] projection;

    HashedTfIdf(int buckets, int dims, long seed, long trainDocuments, float[] idf) {
        if (idf.length != buckets) {
            throw new IllegalArgumentException("idf has " + idf.length + " entries, expected " + buckets);
        }
        this.buckets = buckets;
        this.dims = dims;
        this.seed = seed;
        this.trainDocuments = trainDocuments;
        this.idf = idf;
        this.projection = projectionTable(buckets, dims, seed);
    }

    public int buckets() {
        return buckets;
    }

    public int dims() {
        return dims;
    }

    public long seed() {
        return seed;
    }

    public long trainDocuments() {
        return trainDocuments;
    }

    float idf(int bucket) {
        return idf[bucket];
    }

    /** A fresh per-thread embedder. */
    public Embedder embedder() {
        return new Embedder();
    }

    /** Embeds one text (allocates scratch; use an {@link Embedder} in loops). */
    public float[] embed(String text) {
        float[] out = new float[dims];
        embedder().embed(text, out, 0);
        return out;
    }

    static int bucketOf(byte[] utf8, int length, int buckets) {
        return (int) Integer.remainderUnsigned(Murmur3.hash32(utf8, 0, length, 0), buckets);
    }

    private static int[] projectionTable(int buckets, int dims, long seed) {
        int[] table = new int[buckets * PROJECTION_NONZEROS];
        for (int b = 0; b < buckets; b++) {
            for (int s = 0; s < PROJECTION_NONZEROS; s++) {
                long z = mix64(seed + 0x9E3779B97F4A7C15L * ((long) b * PROJECTION_NONZEROS + s + 1));
                int dim = (int) (((z >>> 32) * dims) >>> 32);
                table[b * PROJECTION_NONZEROS + s] = dim << 1 | (int) (z & 1);
            }
        }
        return table;
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Turns texts into term counts and vectors, reusing its buffers. Not thread-safe: one per
     * thread. After {@link #countTerms}, the document's distinct buckets are {@code bucket(0..size-1)}
     * in first-occurrence order.
     */
    public final class Embedder {
        private final WordTerms words = new WordTerms();
        private final BucketCounts counts = new BucketCounts();
        private final WordTerms.Sink countSink = (utf8, length) -> counts.add(bucketOf(utf8, length, buckets));
        private float[] weights = new float[256];

        /** Counts the text's terms per bucket; {@code listener} (nullable) also sees every term. */
        int countTerms(String text, WordTerms.Sink listener) {
            counts.clear();
            if (listener == null) {
                words.forEach(text, countSink);
            } else {
                words.forEach(text, (utf8, length) -> {
                    countSink.term(utf8, length);
                    listener.term(utf8, length);
                });
            }
            return counts.size();
        }

        int bucket(int i) {
            return counts.bucket(i);
        }

        /**
         * The L2-normalised sparse TF-IDF vector of {@code text}: returns the number of distinct
         * buckets; their weights are {@code weight(0..n-1)} aligned with {@code bucket(i)}.
         */
        int tfIdf(String text) {
            int n = countTerms(text, null);
            if (weights.length < n) {
                weights = new float[Math.max(n, 2 * weights.length)];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                float w = (float) (1.0 + Math.log(counts.count(i))) * idf[counts.bucket(i)];
                weights[i] = w;
                norm += (double) w * w;
            }
            if (norm > 0) {
                float scale = (float) (1.0 / Math.sqrt(norm));
                for (int i = 0; i < n; i++) {
                    weights[i] *= scale;
                }
            }
            return n;
        }

        float weight(int i) {
            return weights[i];
        }

        /** Writes the unit-length dense embedding of {@code text} into {@code out[offset .. offset+dims)}. */
        public void embed(String text, float[] out, int offset) {
            int n = tfIdf(text);
            Arrays.fill(out, offset, offset + dims, 0f);
            for (int i = 0; i < n; i++) {
                float w = weights[i];
                int base = counts.bucket(i) * PROJECTION_NONZEROS;
                for (int s = 0; s < PROJECTION_NONZEROS; s++) {
                    int code = projection[base + s];
                    out[offset + (code >>> 1)] += (code & 1) == 0 ? w : -w;
                }
            }
            double norm = 0;
            for (int j = 0; j < dims; j++) {
                norm += (double) out[offset + j] * out[offset + j];
            }
            if (norm > 0) {
                float scale = (float) (1.0 / Math.sqrt(norm));
                for (int j = 0; j < dims; j++) {
                    out[offset + j] *= scale;
                }
            }
        }
    }

    // ---------------------------------------------------------------- files

    static final String HEADER_FILE = "vectorizer.json";
    static final String IDF_FILE = "vectorizer.f32";

    /** Writes {@code vectorizer.f32} (idf, LE float32 per bucket) then {@code vectorizer.json}. */
    void write(Path dir, ObjectMapper json) throws IOException {
        long crc = Float32File.write(dir.resolve(IDF_FILE), idf);
        ObjectNode h = json.createObjectNode();
        h.put("format", FORMAT);
        h.put("version", VERSION);
        h.put("terms", "lower-cased word unigrams and bigrams; word = run of Unicode letters/digits/marks;"
                + " digit-initial word -> " + WordTerms.NUMBER + "; bigram = w1 + ' ' + w2");
        h.put("hash", "murmur3_x86_32(utf8(term), seed 0) unsigned mod buckets");
        h.put("buckets", buckets);
        h.put("weight", "(1 + ln tf) * idf, idf = ln((1 + n) / (1 + df)) + 1 over train documents");
        h.put("trainDocuments", trainDocuments);
        ObjectNode p = h.putObject("projection");
        p.put("kind", "sparse-sign");
        p.put("dims", dims);
        p.put("nonZerosPerBucket", PROJECTION_NONZEROS);
        p.put("seed", seed);
        p.put("rule", "z = splitmix64_mix(seed + 0x9E3779B97F4A7C15 * (bucket * nonZerosPerBucket + slot + 1));"
                + " dim = ((z >>> 32) * dims) >>> 32; sign = (z & 1) == 0 ? +1 : -1; then L2-normalise");
        ObjectNode f = h.putObject("idf");
        f.put("file", IDF_FILE);
        f.put("dtype", "float32-le");
        f.put("count", buckets);
        f.put("crc32", crc);
        AtomicFiles.writeString(dir.resolve(HEADER_FILE), json.writerWithDefaultPrettyPrinter().writeValueAsString(h));
    }

    static HashedTfIdf read(Path dir, ObjectMapper json) {
        Path headerFile = dir.resolve(HEADER_FILE);
        JsonNode h;
        try {
            h = json.readTree(Files.readString(headerFile));
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(headerFile + " is missing; run `chorus cluster` first");
        } catch (IOException e) {
            throw new InvalidInputException(headerFile + " is not valid JSON (" + e.getMessage()
                    + "); re-run `chorus cluster`", e);
        }
        if (!FORMAT.equals(h.path("format").asText()) || h.path("version").asInt() != VERSION) {
            throw new InvalidInputException(headerFile + " is not a " + FORMAT + " version " + VERSION
                    + " file; re-run `chorus cluster` with this version of Chorus");
        }
        int buckets = h.path("buckets").asInt(-1);
        JsonNode p = h.path("projection");
        int dims = p.path("dims").asInt(-1);
        if (buckets <= 0 || dims <= 0 || p.path("nonZerosPerBucket").asInt() != PROJECTION_NONZEROS) {
            throw new InvalidInputException(headerFile + " has invalid buckets/dims/projection fields;"
                    + " re-run `chorus cluster`");
        }
        JsonNode f = h.path("idf");
        float[] idf = Float32File.read(dir.resolve(IDF_FILE), buckets, f.path("crc32").asLong());
        return new HashedTfIdf(buckets, dims, p.path("seed").asLong(), h.path("trainDocuments").asLong(), idf);
    }

    // ---------------------------------------------------------------- fitting

    /**
     * Fits the document frequencies on train documents, one call per document, and remembers for
     * every bucket its most frequent surface term (Boyer–Moore majority vote: one term per bucket,
     * so memory stays bounded by the bucket count) to make summaries readable.
     */
    static final class Fitter {
        private final int buckets;
        private final int dims;
        private final long seed;
        private final int[] documentFrequency;
        private final byte[][] surface;
        private final int[] votes;
        private final HashedTfIdf counting;
        private final Embedder embedder;
        private final WordTerms.Sink vote = this::vote;
        private long documents;

        Fitter(int buckets, int dims, long seed) {
            this.buckets = buckets;
            this.dims = dims;
            this.seed = seed;
            this.documentFrequency = new int[buckets];
            this.surface = new byte[buckets][];
            this.votes = new int[buckets];
            // idf is irrelevant for counting; a zero idf table gives the Embedder its hashing.
            this.counting = new HashedTfIdf(buckets, 1, seed, 0, new float[buckets]);
            this.embedder = counting.embedder();
        }

        void add(String text) {
            int n = embedder.countTerms(text, vote);
            for (int i = 0; i < n; i++) {
                documentFrequency[embedder.bucket(i)]++;
            }
            documents++;
        }

        long documents() {
            return documents;
        }

        private void vote(byte[] utf8, int length) {
            int b = bucketOf(utf8, length, buckets);
            byte[] candidate = surface[b];
            if (candidate != null && Arrays.equals(candidate, 0, candidate.length, utf8, 0, length)) {
                votes[b]++;
            } else if (votes[b] == 0) {
                surface[b] = Arrays.copyOf(utf8, length);
                votes[b] = 1;
            } else {
                votes[b]--;
            }
        }

        HashedTfIdf finish() {
            float[] idf = new float[buckets];
            for (int b = 0; b < buckets; b++) {
                idf[b] = (float) (Math.log((1.0 + documents) / (1.0 + documentFrequency[b])) + 1.0);
            }
            return new HashedTfIdf(buckets, dims, seed, documents, idf);
        }

        /** The majority surface term of a bucket, or null if no train document hit it. */
        String surfaceTerm(int bucket) {
            byte[] t = surface[bucket];
            return t == null ? null : new String(t, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
