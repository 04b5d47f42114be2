package ai.chorus.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What a product was made from ({@link RunFingerprints}): {@code clusters/inputs.json}, and the {@value
 * RunFingerprints#INPUTS} object of a training job's provenance and of {@code eval/results.json}. Every value is a
 * SHA-256 (hex); what a step did not consume is absent.
 *
 * @param tokenizer {@code tokenizer.json}
 * @param data the prepared data's identity ({@code data/meta.json} and {@code data/documents.bin})
 * @param clusters every file of {@code clusters/}; for the jobs and the evaluation that consume the clustering
 * @param seed the seed's weights; for the jobs that branch from it
 * @param models the evaluation's scored models, by results key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunInputs(String tokenizer, String data, String clusters, String seed, Map<String, Model> models) {

    /** A scored model: its folder relative to the run and the SHA-256 of its weights. */
    public record Model(String path, String sha256) {}

    public RunInputs withModels(Map<String, Model> scored) {
        return new RunInputs(tokenizer, data, clusters, seed, scored);
    }
}
