package ai.chorus.cli;

import ai.chorus.engine.bench.BenchConfig;
import ai.chorus.engine.bench.BenchResult;
import ai.chorus.engine.bench.TrainBench;
import ai.chorus.engine.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine: train and forward-only tokens/s and matmul GFLOP/s on random tokens,",
            "with the PyTorch peer's model shapes (S, M, L). tools/bench_vs_peer.sh runs the peer beside it.",
            "Example: chorus bench --config S --threads 2"})
final class BenchCommand extends ChorusCommand {
    @Option(names = "--config", defaultValue = "S", paramLabel = "S|M|L", description = "Model shape (default: ${DEFAULT-VALUE}).")
    String config;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "Unmeasured steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    /** The --json object. */
    record Json(String config, int threads, long params, double trainTokensPerS, double trainMsPerStep,
                double trainGflops, double inferTokensPerS, double matmulGflops, double lossFirst, double lossLast,
                long allocatedBytesPerStep) {}

    @Override
    void run() {
        if (warmup < 0 || steps < 1) {
            throw new InvalidInputException("--warmup must be ≥ 0 and --steps ≥ 1");
        }
        int t = threads.count();
        BenchResult r = TrainBench.run(BenchConfig.byName(config), t, warmup, steps);
        output.line(String.format("config %s, %d threads, %,d parameters", r.config().name(), t, r.params()));
        output.line(String.format("  train   %,10.0f tokens/s  (%.1f ms/step, %.1f GFLOP/s, loss %.3f → %.3f)",
                r.trainTokensPerS(), r.trainMsPerStep(), r.trainGflops(), r.lossFirst(), r.lossLast()));
        output.line(String.format("  infer   %,10.0f tokens/s  (%.1f ms/batch)", r.inferTokensPerS(), r.inferMsPerStep()));
        output.line(String.format("  matmul  %,10.1f GFLOP/s   (lm_head shape)", r.matmulGflops()));
        output.line(String.format("  allocated %,d bytes per training step", r.allocatedBytesPerStep()));
        output.result(new Json(r.config().name(), t, r.params(), r.trainTokensPerS(), r.trainMsPerStep(),
                r.trainGflops(), r.inferTokensPerS(), r.matmulGflops(), r.lossFirst(), r.lossLast(),
                r.allocatedBytesPerStep()));
    }
}
