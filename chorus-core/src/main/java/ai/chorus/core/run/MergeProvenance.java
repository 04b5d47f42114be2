package ai.chorus.core.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * A merged model's {@value RunDir#PROVENANCE} ({@code core.merge.MergeStep} writes it into the staged folder).
 *
 * @param format {@value #FORMAT}: {@code merge --force} replaces only a folder whose provenance says so
 * @param parameters every parameter of the method with the value in force
 * @param recipe the recipe as given
 * @param recipeFile the recipe's file; null (written) when the recipe came from flags
 * @param models each merged model with its weight and the SHA-256 of its weights as read
 * @param base the base model of a task-vector method; null (written) for the others
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MergeProvenance(String format, String kind, String method, Map<String, Object> parameters, JsonNode recipe,
                              @JsonInclude(JsonInclude.Include.ALWAYS) String recipeFile, String recipeSha256,
                              List<Input> models, @JsonInclude(JsonInclude.Include.ALWAYS) Input base, int tensors,
                              long elements, long bytesRead, long bytesWritten, double seconds, String finished,
                              String chorusVersion, @JsonInclude(JsonInclude.Include.ALWAYS) String gitCommit)
        implements Provenance {
    public static final String FORMAT = "chorus-merge-v1";
    public static final String KIND = "merge";

    /**
     * A model merged in: the recipe's reference and weight (absent for the base) and the folder and SHA-256 of the
     * weights it was read as.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Input(String ref, String path, Double weight, String sha256) {}
}
