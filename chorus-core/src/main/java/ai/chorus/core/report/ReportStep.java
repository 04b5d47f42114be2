package ai.chorus.core.report;

import ai.chorus.core.run.RunDir;
import ai.chorus.engine.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code chorus report}: one self-contained HTML page ({@code eval/report.html}) of a run — the
 * comparison of the routed ensemble with the dense model and the random split, perplexity per
 * domain and label, the routing map, every job's training curves, the clusters, and the run's
 * configuration and compute. It reads only files; whatever a step has not written yet is left out
 * with a note, so the report can be made at any point of a run.
 */
public final class ReportStep {
    public static final String FILE_NAME = "report.html";
    private static final Logger LOG = LoggerFactory.getLogger(ReportStep.class);

    private ReportStep() {}

    /**
     * What was written.
     *
     * @param file the report
     * @param bytes its size
     * @param charts the charts on it
     * @param jobs training jobs found
     * @param evaluated whether eval/results.json existed (else the comparison is missing from the page)
     */
    public record Result(Path file, long bytes, int charts, int jobs, boolean evaluated) {}

    /** Writes {@code eval/report.html} of a prepared run, atomically. */
    public static Result run(RunDir run) throws IOException {
        ReportInputs inputs = ReportInputs.read(run);
        ReportPage.Rendered page = ReportPage.render(inputs, Instant.now());
        Path file = run.evalDir().resolve(FILE_NAME);
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, page.html());
        LOG.info("wrote {} ({} charts, {} jobs{})", file, page.charts(), inputs.jobs().size(),
                inputs.results() == null ? ", no eval results yet" : "");
        return new Result(file, Files.size(file), page.charts(), inputs.jobs().size(), inputs.results() != null);
    }
}
