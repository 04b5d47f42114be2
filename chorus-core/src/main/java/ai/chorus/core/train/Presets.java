package ai.chorus.core.train;

import ai.chorus.engine.InvalidInputException;
import java.util.List;

/**
 * Named starting points for {@link TrainSettings}.
 *
 * <ul>
 *   <li>{@code demo}: sized so the whole pipeline (prepare → … → report) finishes in about ten
 *       minutes on two cores: a small model (width 64, 2 layers) that sees many tokens rather than
 *       a larger one that sees few, 5M seed tokens and 2.5M expert tokens in all. In the demo's
 *       minutes the peer's S shape saw 1.8M tokens and stayed near unigram statistics (dense
 *       perplexity ~300); this shape sees 12.5M and reaches ~70, and the chorus's margin over dense
 *       grows with tokens, as c-BTM reports. (6M + 3M gave dense 62.5 for the same margin, but a
 *       minute more than the ten-minute budget can spare on a slow hour.)
 *   <li>{@code small}: the peer's M shape; hours on a laptop.
 *   <li>{@code base}: the peer's L shape; a machine-day per expert.
 * </ul>
 * The seed's share decides whether branching pays: an expert branched from a weak seed must relearn
 * the basics from its own share of the data, which the dense model learns once from all of it (on
 * the demo data a 1.5M-token seed left every ensemble worse than dense; 4.5M and 6M put oracle routing
 * 22 % below it; docs/perf/mix.md). BTM spends about half of all updates before branching, as
 * {@code base} does; the demo spends more. The demo splits the expert budget in proportion to each
 * domain's data: with equal budgets the largest, most mixed domain's expert was under-trained and
 * lost to the dense model on its own domain (see the README).
 */
public final class Presets {
    public static final List<String> NAMES = List.of("demo", "small", "base");
    /** All the demo's experts together train on this many tokens, however many there are. */
    static final long DEMO_EXPERT_TOKENS = 2_500_000L;

    private Presets() {}

    public static TrainSettings named(String name, int experts) {
        return switch (name) {
            case "demo" -> new TrainSettings("demo", experts, 64, 192, 2, 2, 128, 16,
                    5_000_000L, DEMO_EXPERT_TOKENS / Math.max(experts, 1), TrainSettings.PROPORTIONAL,
                    3e-3, 1.5e-3, 0.1, 0.05, 0.1, 1.0,
                    50, 8, 200, 1234L, 4321L, 10000.0, null);
            case "small" -> new TrainSettings("small", experts, 256, 768, 6, 8, 256, 8,
                    20_000_000L, 10_000_000L, TrainSettings.EQUAL, 1.5e-3, 1e-3, 0.1, 0.02, 0.1, 1.0,
                    200, 16, 500, 1234L, 4321L, 10000.0, null);
            case "base" -> new TrainSettings("base", experts, 512, 1536, 8, 8, 256, 16,
                    200_000_000L, 100_000_000L, TrainSettings.EQUAL, 6e-4, 4e-4, 0.1, 0.01, 0.1, 1.0,
                    1000, 32, 2000, 1234L, 4321L, 10000.0, null);
            default -> throw new InvalidInputException("--preset '" + name + "' is unknown; choose one of " + NAMES);
        };
    }
}
