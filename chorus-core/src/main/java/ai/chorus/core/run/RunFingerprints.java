package ai.chorus.core.run;

import ai.chorus.core.data.ShardReader;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.Checkpoints;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run state as a chain of fingerprints: every step records what it consumed, every reader refuses a
 * product whose inputs changed under it. This class is the one place that knows what a fingerprint is,
 * where it is recorded and how it is checked.
 *
 * <p>Fingerprints (SHA-256, hex): {@code tokenizer} — {@code tokenizer.json}; {@code data} — the prepared
 * data's identity, {@code data/meta.json} and the document index {@code data/documents.bin} (the shards are
 * written with them by the same {@code prepare}; they are not hashed, which would cost a pass over the
 * whole corpus); {@code clusters} — every file of {@code clusters/}; {@code seed} — the seed's weights;
 * a model — its {@code model.safetensors}.
 *
 * <p>Records: the clustering in {@link RunDir#clusterInputs()} (tokenizer, data); a training job in its
 * {@code provenance.json} under {@value #INPUTS} (tokenizer, data, and for the jobs that consume them the
 * clustering — experts and random-split experts, whose sizes follow the clusters — and the seed); a merged
 * model in its provenance (the SHA-256 of every model it merged, as {@code MergeStep} writes it); the
 * evaluation in {@code eval/results.json} under {@value #INPUTS} (tokenizer, data, clustering and every
 * scored model).
 *
 * <p>Runs written before fingerprints were recorded have no record: nothing is checked for them, and a
 * reader logs one warning saying so. A record present but different is refused with one line naming
 * what changed and what to re-run.
 */
public final class RunFingerprints {
    /** The key (in provenance.json, results.json) of what a product consumed. */
    public static final String INPUTS = "inputs";
    public static final String TOKENIZER = "tokenizer";
    public static final String DATA = "data";
    public static final String CLUSTERS = "clusters";
    public static final String SEED = "seed";
    private static final Logger LOG = LoggerFactory.getLogger(RunFingerprints.class);

    private final RunDir run;
    /** Every file is hashed at most once per reader: eval checks many models against the same seed. */
    private final Map<Path, String> fileHashes = new HashMap<>();
    private String clusters;
    /** Runs already warned about in this process: one warning per run, not one per model. */
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private RunFingerprints(RunDir run) {
        this.run = run;
    }

    /** The fingerprints of one run as they are now, computed lazily and cached for the caller's lifetime. */
    public static RunFingerprints of(RunDir run) {
        return new RunFingerprints(run);
    }

    public String tokenizer() throws IOException {
        return hash(run.tokenizerJson());
    }

    public String data() throws IOException {
        return sha256(run.dataMeta().getFileName() + " " + hash(run.dataMeta()) + "\n"
                + run.dataIndex().getFileName() + " " + hash(run.dataIndex()) + "\n");
    }

    /** A manifest hash of every (non-hidden) file of {@code clusters/}, by name. */
    public String clusters() throws IOException {
        if (clusters == null) {
            StringBuilder manifest = new StringBuilder();
            try (Stream<Path> files = Files.list(run.clustersDir())) {
                for (Path f : files.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                    manifest.append(f.getFileName()).append(' ').append(hash(f)).append('\n');
                }
            }
            clusters = sha256(manifest.toString());
        }
        return clusters;
    }

    /** The fingerprint of a model folder: SHA-256 of its weights. */
    public String model(Path dir) throws IOException {
        return hash(dir.resolve(Checkpoints.WEIGHTS_FILE));
    }

    /**
     * What a step consumes, to record: tokenizer and data always, the clustering and the seed's weights
     * when asked.
     */
    public RunInputs record(boolean withClusters, boolean withSeed) throws IOException {
        return new RunInputs(tokenizer(), data(), withClusters ? clusters() : null,
                withSeed ? model(run.seedDir()) : null, null);
    }

    /**
     * Records what {@code chorus cluster} consumed (taken with {@code record(false, false)} before it read them)
     * in the staged clusters folder before it is installed.
     */
    public void recordClustering(Path stagedClustersDir, RunInputs consumed) throws IOException {
        JsonFiles.write(stagedClustersDir.resolve(RunDir.CLUSTER_INPUTS), consumed);
    }

    /**
     * Refuses when any fingerprint in {@code recorded} differs from the run's current one.
     *
     * @param subject what was made from the inputs, e.g. "expert 3 (experts/e03)"
     * @param rerun the command that makes it again
     */
    public void requireCurrent(RunInputs recorded, String subject, String rerun) throws IOException {
        if (recorded == null) {
            warnUnrecorded(subject);
            return;
        }
        Map<String, String> byKey = new LinkedHashMap<>();
        byKey.put(TOKENIZER, recorded.tokenizer());
        byKey.put(DATA, recorded.data());
        byKey.put(CLUSTERS, recorded.clusters());
        byKey.put(SEED, recorded.seed());
        for (Map.Entry<String, String> r : byKey.entrySet()) {
            String key = r.getKey();
            if (r.getValue() == null) {
                continue;
            }
            if (!r.getValue().equals(current(key))) {
                throw new InvalidInputException(subject + " was made from another " + describe(key)
                        + " than the run now has (changed since); re-run '" + rerun + "'");
            }
        }
    }

    /** Refuses a clustering made from another tokenizer or data than the run now has. */
    public void requireCurrentClustering() throws IOException {
        Path record = run.clusterInputs();
        requireCurrent(Files.isRegularFile(record) ? read(record, RunInputs.class) : null, "the clustering (" + run.clustersDir()
                + ")", "chorus cluster --run " + run + " --force");
    }

    /**
     * Refuses a model folder whose recorded inputs changed: a trained job's tokenizer, data, clustering
     * or seed; a merged model's merged models. A folder without provenance (made by hand) is not checked.
     */
    public void requireCurrentModel(Path dir) throws IOException {
        Path file = RunDir.provenance(dir);
        String name = run.root().relativize(dir.toAbsolutePath().normalize()).toString();
        if (!Files.isRegularFile(file)) {
            warnUnrecorded(name);
            return;
        }
        Provenance read = read(file, Provenance.class);
        if (read instanceof MergeProvenance merge) {
            for (MergeProvenance.Input in : mergedInputs(merge)) {
                Path path = Path.of(String.valueOf(in.path()));
                if (!Files.isRegularFile(path.resolve(Checkpoints.WEIGHTS_FILE))) {
                    warnUnrecorded(name + "'s input " + path + " (moved or removed)");
                    continue; // a run moved elsewhere keeps absolute paths of its old place: nothing to compare
                }
                if (!String.valueOf(in.sha256()).equals(model(path))) {
                    throw new InvalidInputException(name + " was merged from " + path + " as it was before it changed;"
                            + " re-run its merge ('chorus merge --run " + run + " … --force')");
                }
            }
            return;
        }
        TrainProvenance p = (TrainProvenance) read;
        requireCurrent(p.inputs(), (p.job() != null ? p.job() : name) + " (" + name + ")",
                "chorus train --run " + run + " " + trainFlag(p, name) + " --force");
    }

    /** {@link #requireCurrentModel} for each model folder of this run; folders outside it are not checked. */
    public void requireCurrentModels(List<Path> dirs) throws IOException {
        for (Path dir : dirs) {
            if (dir.toAbsolutePath().normalize().startsWith(run.root())) {
                requireCurrentModel(dir);
            }
        }
    }

    /**
     * Refuses {@code eval/results.json} computed from other models, clusters, tokenizer or data than the
     * run now has (a model retrained or merged again since, a re-clustering).
     */
    public void requireCurrentResults(RunInputs inputs, Path file) throws IOException {
        String rerun = "chorus eval --run " + run;
        requireCurrent(inputs, file.toString(), rerun);
        if (inputs == null || inputs.models() == null) {
            return;
        }
        for (Map.Entry<String, RunInputs.Model> m : inputs.models().entrySet()) {
            Path dir = run.root().resolve(String.valueOf(m.getValue().path()));
            if (!Files.isRegularFile(dir.resolve(Checkpoints.WEIGHTS_FILE))
                    || !String.valueOf(m.getValue().sha256()).equals(model(dir))) {
                throw new InvalidInputException(file + " scored " + m.getKey() + " (" + dir + ") as it was before it"
                        + " changed; re-run '" + rerun + "'");
            }
        }
    }

    /**
     * What eval records: the run's inputs and every scored model, by its results key, as a path relative to
     * the run and its weights' fingerprint.
     */
    public RunInputs recordResults(Map<String, Path> models) throws IOException {
        Map<String, RunInputs.Model> scored = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : models.entrySet()) {
            scored.put(e.getKey(), new RunInputs.Model(
                    run.root().relativize(e.getValue().toAbsolutePath().normalize()).toString(), model(e.getValue())));
        }
        return record(true, false).withModels(scored);
    }

    /**
     * What {@code chorus eval} checks before it scores anything: the tokenizer agrees with the data, the
     * clustering and every model were made from the run's current inputs. Returns the record for
     * {@code results.json}.
     */
    public static RunInputs requireCurrentForEval(RunDir run, Map<String, Path> models, int tokenizerVocab,
                                                   int dataVocab) throws IOException {
        requireTokenizerMatchesData(run, tokenizerVocab, dataVocab);
        RunFingerprints f = of(run);
        f.requireCurrentClustering();
        for (Path dir : models.values()) {
            f.requireCurrentModel(dir);
        }
        return f.recordResults(models);
    }

    /** A tokenizer whose vocabulary disagrees with the prepared data's would misread every token id. */
    public static void requireTokenizerMatchesData(RunDir run, int tokenizerVocab, int dataVocab) {
        if (tokenizerVocab != dataVocab) {
            throw new InvalidInputException(run.tokenizerJson() + " has " + tokenizerVocab + " tokens but "
                    + run.dataMeta() + " says the data was tokenized with " + dataVocab
                    + "; restore the run's tokenizer or re-run 'chorus prepare --run " + run + " --force'");
        }
    }

    /**
     * Refuses a tokenizer other than the one a model was trained with, when its provenance recorded one
     * ({@code chorus generate} on a model of a run).
     */
    public static void requireModelTokenizer(Path modelDir, Path tokenizerJson) throws IOException {
        Path file = RunDir.provenance(modelDir);
        if (!Files.isRegularFile(file)) {
            return;
        }
        String recorded = read(file, Provenance.class) instanceof TrainProvenance p && p.inputs() != null
                ? p.inputs().tokenizer() : null;
        if (recorded != null && !recorded.equals(sha256(tokenizerJson))) {
            throw new InvalidInputException("the model in " + modelDir + " was trained with another tokenizer than "
                    + tokenizerJson + " (changed since); give its tokenizer with --tokenizer or retrain it");
        }
    }

    private String current(String key) throws IOException {
        return switch (key) {
            case TOKENIZER -> tokenizer();
            case DATA -> data();
            case CLUSTERS -> Files.isDirectory(run.clustersDir()) ? clusters() : "";
            case SEED -> Files.isRegularFile(run.seedDir().resolve(Checkpoints.WEIGHTS_FILE))
                    ? model(run.seedDir()) : "";
            default -> throw new IllegalArgumentException(key);
        };
    }

    private String describe(String key) {
        return switch (key) {
            case TOKENIZER -> run.tokenizerJson().getFileName().toString();
            case DATA -> "prepared data (data/" + ShardReader.META_FILE + ", data/" + ShardReader.INDEX_FILE + ")";
            case CLUSTERS -> "clustering (clusters/)";
            case SEED -> "seed model (seed/)";
            default -> key;
        };
    }

    private static List<MergeProvenance.Input> mergedInputs(MergeProvenance provenance) {
        List<MergeProvenance.Input> all = new ArrayList<>();
        if (provenance.models() != null) {
            all.addAll(provenance.models());
        }
        if (provenance.base() != null) {
            all.add(provenance.base());
        }
        return all;
    }

    private static String trainFlag(TrainProvenance provenance, String name) {
        return switch (String.valueOf(provenance.kind())) {
            case "seed" -> "--seed";
            case "expert" -> "--expert " + (provenance.expert() == null ? 0 : provenance.expert());
            case "dense" -> "--dense";
            case "random" -> "--random-split";
            default -> "(the job of " + name + ")";
        };
    }

    private void warnUnrecorded(String subject) {
        if (WARNED.add(run.root())) {
            LOG.warn("{}: no input fingerprints to check (written before Chorus recorded them, by hand, or moved);"
                    + " used unchecked", subject);
        }
    }

    private static <T> T read(Path file, Class<T> type) {
        try {
            return JsonFiles.read(file, type);
        } catch (IOException e) {
            throw new InvalidInputException(file + " is not valid JSON (" + e.getMessage().lines().findFirst()
                    .orElse("") + "); restore it or re-run the step that wrote it");
        }
    }

    private String hash(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        String h = fileHashes.get(key);
        if (h == null) {
            if (!Files.isRegularFile(key)) {
                throw new InvalidInputException(key + " is missing; re-run the step that writes it");
            }
            h = sha256(key);
            fileHashes.put(key, h);
        }
        return h;
    }

    /** SHA-256 of a file's bytes, hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of a string's UTF-8 bytes, hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
