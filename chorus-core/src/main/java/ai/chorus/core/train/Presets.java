package ai.chorus.core.train;

import ai.chorus.engine.InvalidInputException;
import java.util.List;

/**
 * Named starting points for {@link TrainSettings}.
 *
 * <ul>
 *   <li>{@code demo}: sized so the whole pipeline (prepare → … → report) finishes in about ten
 *       minutes on two cores: the peer's S model shape, 4 experts.
 *   <li>{@code small}: the peer's M shape; hours on a laptop.
 *   <li>{@code base}: the peer's L shape; a machine-day per expert.
 * </ul>
 * Seed share follows BTM (about half of all updates happen before branching in {@code base}); the
 * demo spends relatively more on the seed because its experts are so short. The demo splits the
 * expert budget in proportion to each domain's data: with equal budgets the largest, most mixed
 * domain's expert was under-trained and lost to the dense model on its own domain (see the README).
 */
public final class Presets {
    public static final List<String> NAMES = List.of("demo", "small", "base");

    private Presets() {}

    public static TrainSettings named(String name, int experts) {
        return switch (name) {
            case "demo" -> new TrainSettings("demo", experts, 128, 384, 4, 4, 128, 16,
                    800_000L, 250_000L, TrainSettings.PROPORTIONAL, 3e-3, 1.5e-3, 0.1, 0.05, 0.1, 1.0,
                    25, 8, 50, 1234L, 4321L, 10000.0, null);
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
