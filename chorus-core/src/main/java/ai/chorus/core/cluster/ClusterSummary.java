package ai.chorus.core.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link ClusterStep} found, as {@code clusters/summary.json} holds it and {@code --json} prints it.
 *
 * @param experts one entry per expert, in expert order
 * @param nmi NMI (arithmetic mean) of experts against document labels; null without labels
 * @param purity purity of experts against document labels; null without labels
 * @param labelledDocuments documents (all splits) that carry a label, over which nmi/purity are computed
 * @param fineClusters M
 * @param seed the seed used
 * @param minShare the lower share bound (fraction of the fair share)
 * @param maxShare the upper share bound (multiple of the fair share)
 * @param trainDocuments documents the clusters were fitted on
 * @param heldOutDocuments valid + test documents, assigned afterwards
 * @param trainTokens tokens of the train documents (what the shares divide)
 * @param dims embedding width
 * @param fineInertia Σ squared distance of train embeddings to their fine centroid
 * @param fineIterations Lloyd iterations the fine k-means ran
 * @param fineConverged whether the fine k-means stopped because no label changed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"experts", "nmi", "purity", "labelledDocuments", "fineClusters", "seed", "minShare", "maxShare",
        "trainDocuments", "heldOutDocuments", "trainTokens", "dims", "fineInertia", "fineIterations", "fineConverged"})
public record ClusterSummary(List<Expert> experts, Double nmi, Double purity, long labelledDocuments, int fineClusters,
                             long seed, double minShare, double maxShare, long trainDocuments, long heldOutDocuments,
                             long trainTokens, int dims, double fineInertia, int fineIterations, boolean fineConverged) {

    /**
     * One expert domain.
     *
     * @param expert its index
     * @param fineClusters the fine clusters it groups
     * @param documents its train documents
     * @param heldOutDocuments its valid + test documents
     * @param tokens its train tokens
     * @param tokenShare tokens / all train tokens
     * @param topTerms its most distinctive terms (mean TF-IDF weight above the corpus mean), best first
     * @param labels documents per label over all splits, most frequent first; absent without labels
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"expert", "fineClusters", "documents", "heldOutDocuments", "tokens", "tokenShare", "topTerms",
            "labels"})
    public record Expert(int expert, int fineClusters, long documents, long heldOutDocuments, long tokens,
                         double tokenShare, List<String> topTerms, Map<String, Long> labels) {}

    /**
     * A few human-readable lines for the CLI: one per expert (token share, documents, top terms,
     * leading labels), then NMI and purity when there are labels.
     */
    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d experts from %d fine clusters over %,d train documents"
                + " (%,d tokens) + %,d held out; fine k-means %d iterations%s%n", experts.size(), fineClusters,
                trainDocuments, trainTokens, heldOutDocuments, fineIterations, fineConverged ? " (converged)" : ""));
        for (Expert e : experts) {
            out.append(String.format(Locale.ROOT, "  expert %2d  %5.1f%% tokens  %,9d docs  %3d fine  %s", e.expert(),
                    100 * e.tokenShare(), e.documents(), e.fineClusters(),
                    String.join(" · ", e.topTerms().subList(0, Math.min(6, e.topTerms().size())))));
            if (e.labels() != null) {
                out.append("  [");
                int shown = 0;
                for (Map.Entry<String, Long> l : e.labels().entrySet()) {
                    if (shown++ == 3) {
                        out.append(", …");
                        break;
                    }
                    out.append(shown > 1 ? ", " : "").append(l.getKey()).append(' ').append(l.getValue());
                }
                out.append(']');
            }
            out.append('\n');
        }
        if (nmi != null) {
            out.append(String.format(Locale.ROOT, "against labels (%,d documents): NMI %.3f, purity %.3f%n",
                    labelledDocuments, nmi, purity));
        }
        return out.toString();
    }

    /** Pretty-printed JSON, the same bytes for the same summary. */
    public String toJson() {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a summary is always serialisable", e);
        }
    }
}
