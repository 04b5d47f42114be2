package ai.chorus.cli;

import ai.chorus.core.cluster.ClusterOptions;
import ai.chorus.core.cluster.ClusterRun;
import ai.chorus.core.cluster.ClusterSummary;
import ai.chorus.core.cluster.HashedTfIdf;
import ai.chorus.core.run.RunSpec;
import ai.chorus.engine.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Discover the corpus's domains: hashed TF-IDF vectors, fine k-means, balanced grouping",
            "into expert domains, and every document's assignment. Writes clusters/.",
            "Example: chorus cluster --run runs/demo --experts 4"})
final class ClusterCommand extends RunCommand {
    @Option(names = "--experts", defaultValue = "4", paramLabel = "K",
            description = "Number of expert domains (default: ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--fine", paramLabel = "M", description = "Fine k-means clusters (default: 16 × experts).")
    Integer fine;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--min-share", defaultValue = "0.5", paramLabel = "F",
            description = "No expert below F × the fair token share (default: ${DEFAULT-VALUE}).")
    double minShare;

    @Option(names = "--max-share", defaultValue = "2.0", paramLabel = "F",
            description = "No expert above F × the fair token share (default: ${DEFAULT-VALUE}).")
    double maxShare;

    @Option(names = "--dims", defaultValue = "" + HashedTfIdf.DEFAULT_DIMS, paramLabel = "D",
            description = "Reduced embedding width (default: ${DEFAULT-VALUE}).")
    int dims;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--label-field", paramLabel = "NAME",
            description = "The JSONL label field to analyse against; labels are read by 'chorus prepare', "
                    + "so this must match the field given there.")
    String labelField;

    @Option(names = "--force", description = "Re-cluster a run that is already clustered.")
    boolean force;

    @Override
    void run() throws Exception {
        ClusterOptions options = ClusterOptions.defaults(experts)
                .withFine(fine != null ? fine : ClusterOptions.FINE_PER_EXPERT * experts)
                .withSeed(seed).withShares(minShare, maxShare).withDims(dims).withThreads(threads.count());
        if (labelField != null) {
            String prepared = RunSpec.read(runDir()).section("prepare").path("label_field")
                    .asText(null);
            if (!labelField.equals(prepared)) {
                throw new InvalidInputException("--label-field " + labelField
                        + " differs from the run's prepared label field (" + prepared + "); labels are read when the"
                        + " corpus is prepared: re-run 'chorus prepare --force --label-field " + labelField + "'");
            }
        }
        ClusterSummary summary = ClusterRun.run(runDir(), new ClusterRun.Options(options, force),
                ConsoleProgress.detect());
        output.line(summary.toText().stripTrailing());
        output.line("  wrote      " + runDir().clustersDir() + "/");
        output.resultJson(summary.toJson());
    }
}
