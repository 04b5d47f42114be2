package ai.chorus.core.report;

import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.eval.EvalStep;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.core.run.Provenance;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunFingerprints;
import ai.chorus.core.run.TrainProvenance;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
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
record ReportInputs(RunDir run, JsonNode runSpec, ClusterSummary clusters, EvalResults results, List<Job> jobs) {
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
    record Job(String name, String group, Path dir, TrainCurve curve, TrainProvenance provenance) {}

    static ReportInputs read(RunDir run) throws IOException {
        run.requirePrepared();
        JsonNode spec = readJson(run.runJson(), "re-run 'chorus prepare --force'");
        Path summaryFile = run.clusterSummary();
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
        Path resultsFile = run.evalResults();
        EvalResults results = null;
        if (Files.isRegularFile(resultsFile)) {
            String remedy = "re-run 'chorus eval --run " + run + "'";
            JsonNode tree = readJson(resultsFile, remedy);
            String format = tree.path("format").asText("");
            if (!EvalStep.FORMAT.equals(format)) {
                throw new InvalidInputException(resultsFile + " has format '" + format + "', expected '"
                        + EvalStep.FORMAT + "'; " + remedy);
            }
            results = typed(tree, EvalResults.class, resultsFile, remedy);
            RunFingerprints.of(run).requireCurrentResults(results.inputs(), resultsFile);
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
        TreeSet<Integer> indices = new TreeSet<>();
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
        Path log = RunDir.curves(dir);
        TrainCurve curve = Files.isRegularFile(log) ? TrainCurve.read(log) : null;
        Path provenanceFile = RunDir.provenance(dir);
        TrainProvenance provenance = null;
        if (Files.isRegularFile(provenanceFile)) {
            String remedy = "delete " + dir + " and re-run 'chorus train'";
            if (!(typed(readJson(provenanceFile, remedy), Provenance.class, provenanceFile, remedy)
                    instanceof TrainProvenance p)) {
                throw new InvalidInputException(provenanceFile + " is not a training job's provenance; " + remedy);
            }
            provenance = p;
        }
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

    /** The file's object as its record; a field of the wrong type is refused like invalid JSON. */
    private static <T> T typed(JsonNode node, Class<T> type, Path file, String remedy) {
        try {
            return JsonFiles.convert(node, type);
        } catch (IOException e) {
            throw new InvalidInputException(file + " is not valid " + file.getFileName() + " (" + firstLine(e) + "); "
                    + remedy);
        }
    }

    private static String firstLine(IOException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }
}
