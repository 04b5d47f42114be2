package ai.chorus.core.train;

import ai.chorus.core.cluster.ClusterAssignments;
import ai.chorus.core.data.ShardReader;
import ai.chorus.core.run.RunDir;
import ai.chorus.core.run.RunSpec;
import ai.chorus.core.tokenizer.BpeTokenizer;
import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * {@code chorus plan} and {@code chorus train}: reads the run's train settings (writing the preset's
 * into {@code run.json} the first time), builds the {@link Plan} and runs the jobs asked for.
 */
public final class TrainStep {
    public static final String SECTION = "train";
    private static final ObjectMapper JSON = RunSpec.JSON.copy()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private TrainStep() {}

    /**
     * The run's train settings. The first call writes {@code preset} (default "demo") into run.json;
     * later calls read what is there, so a user's edits stick. {@code budget}, when given, overrides
     * and is saved. The expert count always comes from the clustering.
     */
    public static TrainSettings settings(RunDir run, String preset, String budget)
            throws IOException {
        run.requirePrepared();
        requireClustered(run);
        RunSpec spec = RunSpec.read(run);
        if (!spec.root().path("prepare").isObject()) {
            // Not the run.json prepare wrote (emptied or replaced): refused before anything is written to it.
            throw new InvalidInputException(run.runJson() + " has no 'prepare' section, so it is not the run.json"
                    + " chorus prepare wrote; restore it, or re-run 'chorus prepare --run " + run + " --force'");
        }
        TrainSettings s;
        if (spec.has(SECTION) && preset == null) {
            JsonNode node = spec.root().get(SECTION);
            try {
                s = JSON.treeToValue(node, TrainSettings.class);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException(run.runJson() + " has an invalid 'train' section ("
                        + e.getOriginalMessage() + "); fix it or pass --preset to start from a preset");
            }
        } else {
            s = Presets.named(preset == null ? "demo" : preset, clusteredExperts(run));
        }
        boolean changed = !spec.has(SECTION) || preset != null;
        if (budget != null && !budget.equals(s.budget())) {
            s = s.withBudget(budget);
            changed = true;
        }
        if (changed) {
            spec.root().set(SECTION, RunSpec.JSON.valueToTree(s));
            spec.write(run.runJson());
        }
        return s;
    }

    /** The expert count of the run's clustering. */
    private static int clusteredExperts(RunDir run) {
        ClusterAssignments a = ClusterAssignments.read(run.clustersDir());
        int max = -1;
        for (int i = 0; i < a.size(); i++) {
            max = Math.max(max, a.expert(i));
        }
        return max + 1;
    }

    private static void requireClustered(RunDir run) {
        if (!run.isClustered()) {
            throw new InvalidInputException("run " + run + " has not been clustered; run 'chorus cluster --run "
                    + run + "' before training");
        }
    }

    public static Plan plan(RunDir run, TrainSettings s) {
        run.requirePrepared();
        requireClustered(run);
        ShardReader data = ShardReader.open(run.dataDir());
        // The separator every batch is cut with must be the tokenizer's, or the models learn another boundary.
        int endOfText = BpeTokenizer.load(run.tokenizerJson()).endOfTextId();
        if (data.meta().endOfTextId() != endOfText) {
            throw new InvalidInputException(run.dataMeta() + " gives end_of_text_id "
                    + data.meta().endOfTextId() + " but " + run.tokenizerJson() + " has " + endOfText
                    + "; they come from different prepares, re-run 'chorus prepare --force'");
        }
        return Plan.of(run, s, data, ClusterAssignments.read(run.clustersDir()));
    }

    /** Whether a job is finished under this plan (and refuses one finished under another). */
    public static boolean isUpToDate(RunDir run, Plan plan, Plan.Job job) throws IOException {
        return TrainJob.isUpToDate(job, plan.settings(), ShardReader.open(run.dataDir()));
    }

}
