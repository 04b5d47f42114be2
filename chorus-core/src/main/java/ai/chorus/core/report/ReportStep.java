package ai.chorus.core.report;

import ai.chorus.core.run.RunDir;
import ai.chorus.core.util.Progress;
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
    private static final Logger LOG = LoggerFactory.getLogger(ReportStep.class);

    private ReportStep() {}

    /**
     * What to write.
     *
     * @param generated the time the page says it was generated
     */
    public record Options(Instant generated) {
        /** A page generated now. */
        public static Options now() {
            return new Options(Instant.now());
        }
    }

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
    public static Result run(RunDir run, Options options, Progress progress) throws IOException {
        ReportInputs inputs;
        ReportPage.Rendered page;
        try (Progress.Task task = progress.start("report", 2, "parts")) {
            inputs = ReportInputs.read(run);
            task.advance(1);
            page = ReportPage.render(inputs, options.generated());
            task.advance(1);
        }
        Path file = run.report();
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, page.html());
        LOG.info("wrote {} ({} charts, {} jobs{})", file, page.charts(), inputs.jobs().size(),
                inputs.results() == null ? ", no eval results yet" : "");
        return new Result(file, Files.size(file), page.charts(), inputs.jobs().size(), inputs.results() != null);
    }
}
