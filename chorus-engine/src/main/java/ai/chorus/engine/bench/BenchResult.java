package ai.chorus.engine.bench;

import java.util.Locale;

/**
 * What one {@link TrainBench#run} measured. Tokens/s count batch·seq·steps over the measured steps
 * only (warmup excluded), as the peer does; GFLOP/s use the peer's FLOP count (6N + 12·L·d·T per
 * trained token). {@code matmulGflops} times the engine's matmul alone on the lm_head shape
 * (batch·seq × dim × vocab), the largest in the model. {@code trainCpuMsPerStep} is the CPU time of all
 * threads per training step: the work done, independent of what else the machine runs.
 */
public record BenchResult(BenchConfig config, int threads, int steps, long params,
                          double trainTokensPerS, double trainMsPerStep, double trainGflops,
                          double inferTokensPerS, double inferMsPerStep,
                          double matmulGflops, double lossFirst, double lossLast, long allocatedBytesPerStep,
                          double trainCpuMsPerStep) {

    public String toJson() {
        return String.format(Locale.ROOT, "{\"engine\":\"chorus\",\"config\":\"%s\",\"threads\":%d,\"steps\":%d,"
                        + "\"params\":%d,\"tokens_per_s\":%.1f,\"ms_per_step\":%.3f,\"train_gflops\":%.1f,"
                        + "\"infer_tokens_per_s\":%.1f,\"infer_ms_per_step\":%.3f,\"matmul_gflops\":%.1f,"
                        + "\"loss_first\":%.6f,\"loss_last\":%.6f,\"allocated_bytes_per_step\":%d,\"cpu_ms_per_step\":%.1f}",
                config.name(), threads, steps, params, trainTokensPerS, trainMsPerStep, trainGflops,
                inferTokensPerS, inferMsPerStep, matmulGflops, lossFirst, lossLast, allocatedBytesPerStep,
                trainCpuMsPerStep);
    }
}
