package ai.chorus.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A training job's {@value RunDir#PROVENANCE} ({@code core.train.TrainJob} writes it once the model is saved).
 *
 * @param job "seed", "expert 3", "dense", "random 3"
 * @param kind seed, expert, dense or random
 * @param expert the expert's index; absent for the seed and dense
 * @param branchedFrom the branch point: the seed's folder and weights, or (for the seed) none and the init seed
 * @param documents how many documents it trained on, listed in {@code documentsFile}
 * @param hyperparameters run.json's train section as it was
 * @param started when training started (ISO-8601; a resumed job keeps the first start)
 * @param fingerprint SHA-256 of everything that decided the weights (the job's plan)
 * @param inputs the run's inputs it consumed ({@link RunFingerprints})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainProvenance(String job, String kind, Integer expert, Branch branchedFrom, int documents,
                              String documentsFile, String documentsSha256, long dataOrderSeed, long steps,
                              long tokensSeen, double flops, double finalTrainLoss, double finalValidLoss,
                              JsonNode hyperparameters, double peakLr, String started, String finished,
                              String chorusVersion, @JsonInclude(JsonInclude.Include.ALWAYS) String gitCommit,
                              String fingerprint, RunInputs inputs) implements Provenance {

    /**
     * Where the job started from.
     *
     * @param path the branch point's folder; null (written) for the seed, which starts from random weights
     * @param initSeed the seed's initialisation seed; absent for a branched job
     * @param sha256 the branch point's weights; absent for the seed
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Branch(@JsonInclude(JsonInclude.Include.ALWAYS) String path, Long initSeed, String sha256) {}
}
