package ai.chorus.server;

import ai.chorus.core.cluster.ClusterModel;
import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.mix.CentroidRouter;
import ai.chorus.core.mix.ClusterDistances;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.Checkpoints;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experts a server holds, changed at run time by the admin calls. Readers take {@link #current()},
 * an immutable {@link ExpertSet}; a change builds a new set and swaps it in (copy on write), so
 * requests in flight finish on the set they began with and the old experts are freed once they end.
 */
public final class ExpertRegistry {
    /** The most experts one router weighs. */
    public static final int MAX_EXPERTS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(ExpertRegistry.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern EXPERT_FOLDER = Pattern.compile("e(\\d+)");

    private final RunDir run;
    private final Path realRoot;
    private final ServeOptions options;
    private final int vocabSize;
    private final CentroidRouter.ExpertDistances clusterDistances;
    private final double[] clusterShares;
    private final List<List<String>> clusterTerms;
    private final AtomicReference<ExpertSet> current = new AtomicReference<>();

    private ExpertRegistry(RunDir run, ServeOptions options, int vocabSize, ClusterModel clusters,
                           ClusterSummary summary) throws IOException {
        this.run = run;
        this.realRoot = run.root().toRealPath();
        this.options = options;
        this.vocabSize = vocabSize;
        this.clusterDistances = ClusterDistances.of(ClusterDistances.DEFAULT, clusters);
        this.clusterShares = new double[clusters.experts()];
        this.clusterTerms = new ArrayList<>();
        for (ClusterSummary.Expert e : summary.experts()) {
            clusterShares[e.expert()] = e.tokenShare();
            clusterTerms.add(e.topTerms() == null ? List.of() : e.topTerms());
        }
        current.set(build(List.of()));
    }

    /**
     * Opens the run's clustering and loads every trained expert ({@code experts/eNN} with weights).
     *
     * @param vocabSize the run's tokenizer size; an expert with another vocabulary is refused
     */
    public static ExpertRegistry open(RunDir run, ServeOptions options, int vocabSize) throws IOException {
        ClusterModel clusters = ClusterModel.load(run.clustersDir());
        Path summaryFile = run.clusterSummary();
        if (!Files.isRegularFile(summaryFile)) {
            throw new InvalidInputException(summaryFile + " is missing; run 'chorus cluster --run " + run + "' first");
        }
        ClusterSummary summary = new ObjectMapper().readValue(summaryFile.toFile(), ClusterSummary.class);
        if (summary.experts().size() != clusters.experts()) {
            throw new InvalidInputException(summaryFile + " describes " + summary.experts().size() + " experts but "
                    + "the centroids " + clusters.experts() + "; re-run 'chorus cluster --run " + run + "'");
        }
        RunFingerprints.of(run).requireCurrentClustering();
        ExpertRegistry registry = new ExpertRegistry(run, options, vocabSize, clusters, summary);
        List<Expert> loaded = new ArrayList<>();
        for (int e = 0; e < clusters.experts(); e++) {
            Path dir = run.expertDir(e);
            if (Files.isRegularFile(dir.resolve(Checkpoints.WEIGHTS_FILE))) {
                loaded.add(registry.loadExpert(dir.getFileName().toString(), dir, e));
            }
        }
        if (loaded.isEmpty()) {
            throw new InvalidInputException("run " + run + " has no trained experts (experts/eNN/"
                    + Checkpoints.WEIGHTS_FILE + "); run 'chorus train --run " + run + " --all' first");
        }
        registry.current.set(registry.build(loaded));
        LOG.info("loaded {} experts from {}", loaded.size(), run);
        return registry;
    }

    /** The experts now; a request keeps the set it took for its whole life. */
    public ExpertSet current() {
        return current.get();
    }

    /** How many clusters (expert domains) the run's clustering has. */
    public int clusters() {
        return clusterShares.length;
    }

    public List<String> clusterTerms(int cluster) {
        return clusterTerms.get(cluster);
    }

    /**
     * Loads the model folder {@code path} (inside the run directory) as a new expert.
     *
     * @param id its name, or null for the folder's name
     * @param cluster the cluster that routes to it, or null to take it from a folder named {@code eNN}
     */
    public synchronized Expert add(String path, String id, Integer cluster) {
        Path dir = insideRun(path);
        if (!Files.isRegularFile(dir.resolve(Checkpoints.WEIGHTS_FILE))) {
            throw ApiException.invalid("path", "not_a_model", "'" + path + "' holds no " + Checkpoints.WEIGHTS_FILE
                    + "; give a trained model folder such as experts/e00");
        }
        String name = id != null ? id : dir.getFileName().toString();
        if (!ID.matcher(name).matches()) {
            throw ApiException.invalid("id", "invalid_id", "expert id '" + name + "' must be 1-64 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit");
        }
        ExpertSet set = current.get();
        if (set.byId(name).isPresent()) {
            throw new ApiException(409, "invalid_request_error", "id", "expert_exists", "an expert named '" + name
                    + "' is already loaded; DELETE /v1/experts/" + name + " first or pick another id");
        }
        if (set.experts().size() >= MAX_EXPERTS) {
            throw ApiException.invalid("path", "too_many_experts", "the server holds " + MAX_EXPERTS
                    + " experts, the most a router weighs; remove one first");
        }
        int domain = cluster != null ? cluster : clusterOfFolder(dir, path);
        if (domain < 0 || domain >= clusters()) {
            throw ApiException.invalid("cluster", "invalid_cluster", "cluster must be in [0, " + clusters()
                    + "), got " + domain);
        }
        Expert expert;
        try {
            expert = loadExpert(name, dir, domain);
        } catch (InvalidInputException e) {
            throw ApiException.invalid("path", "invalid_model", e.getMessage());
        } catch (IOException e) {
            throw ApiException.invalid("path", "invalid_model", "cannot read '" + path + "': " + e.getMessage());
        }
        List<Expert> next = new ArrayList<>(set.experts());
        next.add(expert);
        current.set(build(next));
        LOG.info("added expert {} ({}, cluster {})", name, expert.path(), domain);
        return expert;
    }

    /** Removes expert {@code id}; requests already routed to it finish with it. */
    public synchronized Expert remove(String id) {
        ExpertSet set = current.get();
        Expert expert = set.byId(id).orElseThrow(() -> new ApiException(404, "invalid_request_error", "id",
                "expert_not_found", "no expert named '" + id + "' is loaded; GET /v1/experts lists them"));
        List<Expert> next = new ArrayList<>(set.experts());
        next.remove(expert);
        current.set(build(next));
        LOG.info("removed expert {}", id);
        return expert;
    }

    private ExpertSet build(List<Expert> experts) {
        return new ExpertSet(experts, options.router(), options.topK(), options.tau(), clusterDistances,
                clusterShares);
    }

    private Expert loadExpert(String id, Path dir, int cluster) throws IOException {
        RunFingerprints.of(run).requireCurrentModel(dir); // trained on the clustering that routes to it
        Expert expert = Expert.load(id, dir, realRoot.relativize(dir.toRealPath()).toString().replace('\\', '/'),
                cluster, clusterTerms.get(cluster));
        if (expert.config().vocabSize() != vocabSize) {
            throw new InvalidInputException(dir + " has vocab_size " + expert.config().vocabSize() + " but the run's "
                    + "tokenizer has " + vocabSize + "; an expert must share the run's tokenizer");
        }
        return expert;
    }

    /** {@code path} resolved against the run directory, refused unless it lies inside it (links followed). */
    private Path insideRun(String path) {
        Path resolved;
        try {
            resolved = run.root().resolve(path).normalize();
        } catch (InvalidPathException e) {
            throw ApiException.invalid("path", "invalid_path", "'" + path + "' is not a valid path");
        }
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (IOException e) {
            real = resolved; // does not exist: judged as written, then refused below as missing
        }
        if (!resolved.startsWith(run.root()) || !real.startsWith(realRoot) || real.equals(realRoot)) {
            throw new ApiException(403, "invalid_request_error", "path", "path_outside_run", "an expert path must "
                    + "lie inside the run directory; '" + path + "' does not");
        }
        if (!Files.isDirectory(real)) {
            throw ApiException.invalid("path", "not_a_model", "'" + path + "' is not a folder inside the run");
        }
        return real;
    }

    private int clusterOfFolder(Path dir, String path) {
        Matcher m = EXPERT_FOLDER.matcher(dir.getFileName().toString());
        if (m.matches() && m.group(1).length() < 4) {
            return Integer.parseInt(m.group(1));
        }
        throw ApiException.invalid("cluster", "cluster_required", "'" + path + "' is not named eNN; give the cluster "
                + "whose centroids should route to it in \"cluster\"");
    }
}
