package ai.chorus.core.run;

import ai.chorus.core.data.ShardReader;
import ai.chorus.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The run directory: the files every step reads and writes (see docs/ARCHITECTURE.md). One place knows the
 * layout, so no step builds paths of its own.
 *
 * <p>File names are constants only where a step writes into a staging folder before it is moved into place
 * (the clustering, a model folder) or lists what a folder may hold; everything else asks for a path.
 */
public record RunDir(Path root) {
    /** In {@code clusters/}: each document's expert. */
    public static final String ASSIGNMENTS = "assignments.bin";
    /** In {@code clusters/}: the clustering's summary ({@code ClusterSummary}). */
    public static final String CLUSTER_SUMMARY = "summary.json";
    /** In {@code clusters/}: what the clustering was made from ({@link RunInputs}). */
    public static final String CLUSTER_INPUTS = "inputs.json";
    /** In a model folder (a job's, a merge's): what made it ({@link Provenance}); its presence marks it complete. */
    public static final String PROVENANCE = "provenance.json";
    /** In a job's folder while it trains: weights, AdamW moments, step and data cursor. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** In a job's folder: training and validation curves, one JSON object per step. */
    public static final String CURVES = "train.jsonl";
    /** In a job's folder: the ids of the documents it trained on. */
    public static final String DOCUMENTS = "documents.txt";
    /** In {@code eval/}. */
    public static final String RESULTS = "results.json";
    public static final String REPORT = "report.html";

    public RunDir {
        root = root.toAbsolutePath().normalize();
    }

    public static RunDir of(Path root) {
        return new RunDir(root);
    }

    /** The run whose {@link #dataDir()} this is. */
    public static RunDir ofDataDir(Path dataDir) {
        return new RunDir(dataDir.toAbsolutePath().normalize().getParent());
    }

    public Path runJson() {
        return root.resolve("run.json");
    }

    public Path tokenizerJson() {
        return root.resolve("tokenizer.json");
    }

    public Path dataDir() {
        return root.resolve("data");
    }

    public Path clustersDir() {
        return root.resolve("clusters");
    }

    /** The prepared data's identity: its {@code meta.json} and document index. */
    public Path dataMeta() {
        return dataDir().resolve(ShardReader.META_FILE);
    }

    public Path dataIndex() {
        return dataDir().resolve(ShardReader.INDEX_FILE);
    }

    /** What the clustering was made from ({@link RunFingerprints}). */
    public Path clusterInputs() {
        return clustersDir().resolve(CLUSTER_INPUTS);
    }

    public Path clusterAssignments() {
        return clustersDir().resolve(ASSIGNMENTS);
    }

    public Path clusterSummary() {
        return clustersDir().resolve(CLUSTER_SUMMARY);
    }

    /** Whether {@code chorus cluster} has completed here. */
    public boolean isClustered() {
        return Files.isRegularFile(clusterAssignments());
    }

    public Path seedDir() {
        return root.resolve("seed");
    }

    /** The folder of every expert's folder ({@link #expertDir}). */
    public Path expertsDir() {
        return root.resolve("experts");
    }

    public Path expertDir(int expert) {
        return expertsDir().resolve(String.format("e%02d", expert));
    }

    public Path denseDir() {
        return root.resolve("dense");
    }

    public Path randomExpertDir(int expert) {
        return randomDir().resolve(String.format("e%02d", expert));
    }

    /** The folder of the random-split experts' folders. */
    public Path randomDir() {
        return root.resolve("random");
    }

    /** Where {@code chorus merge} puts merged models by default, one folder each; eval scores them all. */
    public Path mergedDir() {
        return root.resolve("merged");
    }

    public Path evalDir() {
        return root.resolve("eval");
    }

    public Path evalResults() {
        return evalDir().resolve(RESULTS);
    }

    public Path report() {
        return evalDir().resolve(REPORT);
    }

    /** A model folder's {@value #PROVENANCE}. */
    public static Path provenance(Path modelDir) {
        return modelDir.resolve(PROVENANCE);
    }

    /** A job folder's {@value #CHECKPOINT}. */
    public static Path checkpoint(Path jobDir) {
        return jobDir.resolve(CHECKPOINT);
    }

    /** A job folder's {@value #CURVES}. */
    public static Path curves(Path jobDir) {
        return jobDir.resolve(CURVES);
    }

    /** A job folder's {@value #DOCUMENTS}. */
    public static Path documents(Path jobDir) {
        return jobDir.resolve(DOCUMENTS);
    }

    /**
     * What {@code chorus prepare} writes, names relative to the root, in the order a new run replaces them: run.json
     * first, so a crash midway leaves a run that is visibly unprepared rather than one describing other data.
     */
    public List<String> prepared() {
        return names(runJson(), tokenizerJson(), dataDir());
    }

    /**
     * What the later steps derive from a prepared run, names relative to the root: {@code prepare --force} drops
     * it ({@code mixture.json}: written by Chorus before eval/ existed).
     */
    public List<String> derived() {
        return names(clustersDir(), seedDir(), expertsDir(), denseDir(), randomDir(), evalDir(),
                root.resolve("mixture.json"));
    }

    private List<String> names(Path... paths) {
        return Stream.of(paths).map(p -> root.relativize(p).toString()).toList();
    }

    public boolean isPrepared() {
        return Files.isRegularFile(runJson()) && Files.isRegularFile(tokenizerJson())
                && Files.isRegularFile(dataMeta());
    }

    /** Fails with a clear message unless {@code chorus prepare} has completed here. */
    public void requirePrepared() {
        if (!Files.isDirectory(root)) {
            throw new InvalidInputException("run directory " + root + " does not exist; create it with "
                    + "'chorus prepare --run " + root + " --corpus europarl'");
        }
        if (!isPrepared()) {
            throw new InvalidInputException("run directory " + root + " has no prepared data; run "
                    + "'chorus prepare --run " + root + "' first");
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
