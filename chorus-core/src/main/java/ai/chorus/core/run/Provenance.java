package ai.chorus.core.run;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A model folder's {@value RunDir#PROVENANCE}: what made it. Its {@code kind} says which record it is — a training
 * job's ({@code seed}, {@code expert}, {@code dense}, {@code random}) or a merge's ({@code merge}); a file without
 * a kind is read as a job's. Writers and readers share these records, so the file has one definition.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "kind",
        visible = true, defaultImpl = TrainProvenance.class)
@JsonSubTypes({
    @JsonSubTypes.Type(value = TrainProvenance.class, names = {"seed", "expert", "dense", "random"}),
    @JsonSubTypes.Type(value = MergeProvenance.class, name = MergeProvenance.KIND)
})
public sealed interface Provenance permits TrainProvenance, MergeProvenance {
    String kind();

    String finished();

    String chorusVersion();

    String gitCommit();
}
