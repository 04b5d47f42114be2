package ai.chorus.server;

import ai.chorus.engine.ModelConfig;
import ai.chorus.engine.io.Checkpoints;
import ai.chorus.engine.model.KvCache;
import ai.chorus.engine.model.LlamaModel;
import ai.chorus.engine.model.LlamaRunner;
import ai.chorus.engine.parallel.WorkerPool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One loaded expert: its weights, the domain it serves (a cluster of the run's clustering, whose
 * centroids route to it) and how many requests were routed to it.
 *
 * <p>Thread-safe for decoding: every request brings its own {@link KvCache}, the weights are only
 * read, and the runner's transposed weights are built once here, before the expert is published.
 * The runner decodes on the calling thread (a one-thread pool runs loops inline), so concurrency
 * comes from the server's generation workers, never from two requests sharing a pool.
 */
public final class Expert {
    private static final WorkerPool INLINE = new WorkerPool(1);

    private final String id;
    private final String path;
    private final int cluster;
    private final List<String> topTerms;
    private final ModelConfig config;
    private final LlamaRunner runner;
    private final LongAdder routedRequests = new LongAdder();

    private Expert(String id, String path, int cluster, List<String> topTerms, ModelConfig config, LlamaRunner runner) {
        this.id = id;
        this.path = path;
        this.cluster = cluster;
        this.topTerms = List.copyOf(topTerms);
        this.config = config;
        this.runner = runner;
    }

    /**
     * Loads the model folder {@code dir}.
     *
     * @param path how the folder is named to clients (relative to the run directory)
     */
    static Expert load(String id, Path dir, String path, int cluster, List<String> topTerms) throws IOException {
        ModelConfig config = Checkpoints.readConfig(dir).model();
        LlamaModel model = new LlamaModel(config);
        Checkpoints.loadInto(dir, config, model.parameters());
        // A one-row workspace: decoding keeps its activations in each request's KV cache.
        LlamaRunner runner = new LlamaRunner(model, INLINE, 1, 1);
        runner.newKvCache(1); // builds the transposed weights now, on this thread, before the expert is shared
        return new Expert(id, path, cluster, topTerms, config, runner);
    }

    public String id() {
        return id;
    }

    /** The model folder, relative to the run directory. */
    public String path() {
        return path;
    }

    /** The cluster (expert domain) of the run's clustering that routes to this expert. */
    public int cluster() {
        return cluster;
    }

    public List<String> topTerms() {
        return topTerms;
    }

    public ModelConfig config() {
        return config;
    }

    public long routedRequests() {
        return routedRequests.sum();
    }

    void countRouted() {
        routedRequests.increment();
    }

    KvCache newKvCache(int positions) {
        return runner.newKvCache(positions);
    }

    /** Feeds one token; the returned logits belong to the cache (see {@link LlamaRunner#forwardToken}). */
    float[] forwardToken(int token, int position, KvCache cache) {
        return runner.forwardToken(token, position, cache);
    }
}
