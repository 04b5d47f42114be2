package ai.chorus.engine.train;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.optim.LrSchedule;

/**
 * Optimisation settings of a {@link Trainer}: AdamW (β1, β2, ε, decoupled weight decay on matrices),
 * global gradient-norm clipping ({@code gradClip} ≤ 0 disables it) and the learning-rate schedule.
 */
public record TrainConfig(LrSchedule schedule, double beta1, double beta2, double eps, double weightDecay,
                          double gradClip) {

    public TrainConfig {
        if (schedule == null) {
            throw new InvalidInputException("a learning-rate schedule is required");
        }
    }

    /** The peer's settings: constant lr, betas 0.9/0.95, eps 1e-8, weight decay 0.1, clip 1.0. */
    public static TrainConfig peerDefaults(double lr) {
        return new TrainConfig(LrSchedule.constant(lr), 0.9, 0.95, 1e-8, 0.1, 1.0);
    }

    public TrainConfig withSchedule(LrSchedule s) {
        return new TrainConfig(s, beta1, beta2, eps, weightDecay, gradClip);
    }
}
