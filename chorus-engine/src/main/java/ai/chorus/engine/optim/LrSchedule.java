package ai.chorus.engine.optim;

import ai.chorus.engine.InvalidInputException;

/**
 * Learning rate per optimizer step (0-based): linear warmup to {@code maxLr} over
 * {@code warmupSteps}, then cosine decay to {@code minLr} at {@code totalSteps}, constant after.
 */
public record LrSchedule(double maxLr, double minLr, int warmupSteps, int totalSteps) {

    public LrSchedule {
        if (!(maxLr > 0) || minLr < 0 || minLr > maxLr) {
            throw new InvalidInputException("learning rates must satisfy 0 <= min_lr <= lr and lr > 0, got lr "
                    + maxLr + ", min_lr " + minLr);
        }
        if (warmupSteps < 0 || totalSteps < warmupSteps) {
            throw new InvalidInputException("warmup steps " + warmupSteps + " must be in [0, total steps "
                    + totalSteps + "]");
        }
    }

    /** A constant rate (what the peer benchmark uses). */
    public static LrSchedule constant(double lr) {
        return new LrSchedule(lr, lr, 0, 0);
    }

    public static LrSchedule warmupCosine(double maxLr, double minLr, int warmupSteps, int totalSteps) {
        return new LrSchedule(maxLr, minLr, warmupSteps, totalSteps);
    }

    public double lr(long step) {
        if (step < warmupSteps) {
            return maxLr * (step + 1) / warmupSteps;
        }
        if (step >= totalSteps) {
            return totalSteps == 0 ? maxLr : minLr;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (maxLr - minLr);
    }
}
