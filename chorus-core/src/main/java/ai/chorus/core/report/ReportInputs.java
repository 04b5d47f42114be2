package ai.chorus.core.report;

import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.train.TrainJob;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Everything the report shows, read from a run directory. Every part but run.json is optional:
 * a run that is only prepared and clustered still gets a report of what exists.
 *
 * @param run the run directory
 * @param runSpec run.json
 * @param clusters clusters/summary.json; null before {@code chorus cluster}
 * @param results eval/results.json; null before {@code chorus eval}
 * @param jobs the training jobs that have a folder, in pipeline order
 */
record ReportInputs(RunDir run, JsonNode runSpec, ClusterSummary clusters, JsonNode results, List<Job> jobs) {
    static final String RESULTS_FORMAT = EvalStep.FORMAT;
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern EXPERT_FOLDER = Pattern.compile("e(\\d{2,6})");

    /**
     * One training job.
     *
     * @param name "seed", "expert 3", "dense", "random 3"
     * @param group "seed", "experts", "dense", "random split"
     * @param curve its train.jsonl; null when absent
     * @param provenance its provenance.json; null until the job has finished
     */
    record Job(String name, String group, Path dir, TrainCurve curve, JsonNode provenance) {}

    static ReportInputs read(RunDir run) throws IOException {
        run.requirePrepared();
        JsonNode spec = readJson(run.runJson(), "re-run 'chorus prepare --force'");
        Path summaryFile = run.clustersDir().resolve("summary.json");
        ClusterSummary clusters = null;
        if (Files.isRegularFile(summaryFile)) {
            try {
                clusters = JSON.readValue(summaryFile.toFile(), ClusterSummary.class);
            } catch (IOException e) {
                throw new InvalidInputException(summaryFile + " is not a cluster summary (" + firstLine(e)
                        + "); re-run 'chorus cluster --force --run " + run + "'");
            }
            if (clusters.experts() == null || clusters.experts().isEmpty() || clusters.experts().contains(null)) {
                throw new InvalidInputException(summaryFile + " lists no experts, so it is not a complete cluster"
                        + " summary; re-run 'chorus cluster --force --run " + run + "'");
            }
        }
        Path resultsFile = run.evalDir().resolve("results.json");
        JsonNode results = null;
        if (Files.isRegularFile(resultsFile)) {
            results = readJson(resultsFile, "re-run 'chorus eval --run " + run + "'");
            String format = results.path("format").asText("");
            if (!RESULTS_FORMAT.equals(format)) {
                throw new InvalidInputException(resultsFile + " has format '" + format + "', expected '"
                        + RESULTS_FORMAT + "'; re-run 'chorus eval --run " + run + "'");
            }
            RunFingerprints.of(run).requireCurrentResults(results, resultsFile);
        }
        List<Integer> experts = jobIndices(run.expertDir(0).getParent());
        List<Integer> randoms = jobIndices(run.randomExpertDir(0).getParent());
        List<Job> jobs = new ArrayList<>();
        addJob(jobs, "seed", "seed", run.seedDir());
        for (int e : experts) {
            addJob(jobs, "expert " + e, "experts", run.expertDir(e));
        }
        addJob(jobs, "dense", "dense", run.denseDir());
        for (int e : randoms) {
            addJob(jobs, "random " + e, "random split", run.randomExpertDir(e));
        }
        return new ReportInputs(run, spec, clusters, results, List.copyOf(jobs));
    }

    /**
     * The indices of the eNN job folders under {@code parent}, ascending: the folders on disk, not
     * run.json, say which jobs exist (a run may be re-planned or half trained).
     */
    private static List<Integer> jobIndices(Path parent) throws IOException {
        java.util.TreeSet<Integer> indices = new java.util.TreeSet<>();
        if (Files.isDirectory(parent)) {
            try (Stream<Path> children = Files.list(parent)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    Matcher m = EXPERT_FOLDER.matcher(child.getFileName().toString());
                    if (m.matches() && Files.isDirectory(child)) {
                        indices.add(Integer.parseInt(m.group(1)));
                    }
                }
            }
        }
        return List.copyOf(indices);
    }

    private static void addJob(List<Job> jobs, String name, String group, Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Path log = dir.resolve(TrainJob.CURVES);
        TrainCurve curve = Files.isRegularFile(log) ? TrainCurve.read(log) : null;
        Path provenanceFile = dir.resolve(TrainJob.PROVENANCE);
        JsonNode provenance = Files.isRegularFile(provenanceFile)
                ? readJson(provenanceFile, "delete " + dir + " and re-run 'chorus train'") : null;
        if (curve != null || provenance != null) {
            jobs.add(new Job(name, group, dir, curve, provenance));
        }
    }

    private static JsonNode readJson(Path file, String remedy) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new InvalidInputException(file + " must hold one JSON object; " + remedy);
            }
            return node;
        } catch (IOException e) {
            throw new InvalidInputException(file + " is not valid JSON (" + firstLine(e) + "); " + remedy);
        }
    }

    private static String firstLine(IOException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
