package ai.chorus.cli;

import ai.chorus.engine.bench.BenchConfig;
import ai.chorus.engine.bench.BenchResult;
import ai.chorus.engine.bench.TrainBench;
import ai.chorus.engine.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine: train and forward-only tokens/s and matmul GFLOP/s on random tokens,",
            "with the PyTorch peer's model shapes (S, M, L). tools/bench_vs_peer.sh runs the peer beside it.",
            "Example: chorus bench --config S --threads 2"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Output output;

    @Option(names = "--config", defaultValue = "S", paramLabel = "S|M|L", description = "Model shape (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "Unmeasured steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() {
        output.to(spec.commandLine().getOut());
        if (warmup < 0 || steps < 1) {
            throw new InvalidInputException("--warmup must be ≥ 0 and --steps ≥ 1");
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        BenchResult r = TrainBench.run(BenchConfig.byName(config), t, warmup, steps);
        output.line(String.format("config %s, %d threads, %,d parameters", r.config().name(), t, r.params()));
        output.line(String.format("  train   %,10.0f tokens/s  (%.1f ms/step, %.1f GFLOP/s, loss %.3f → %.3f)",
                r.trainTokensPerS(), r.trainMsPerStep(), r.trainGflops(), r.lossFirst(), r.lossLast()));
        output.line(String.format("  infer   %,10.0f tokens/s  (%.1f ms/batch)", r.inferTokensPerS(), r.inferMsPerStep()));
        output.line(String.format("  matmul  %,10.1f GFLOP/s   (lm_head shape)", r.matmulGflops()));
        output.line(String.format("  allocated %,d bytes per training step", r.allocatedBytesPerStep()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("config", r.config().name());
        json.put("threads", t);
        json.put("params", r.params());
        json.put("train_tokens_per_s", r.trainTokensPerS());
        json.put("train_ms_per_step", r.trainMsPerStep());
        json.put("train_gflops", r.trainGflops());
        json.put("infer_tokens_per_s", r.inferTokensPerS());
        json.put("matmul_gflops", r.matmulGflops());
        json.put("loss_first", r.lossFirst());
        json.put("loss_last", r.lossLast());
        json.put("allocated_bytes_per_step", r.allocatedBytesPerStep());
        output.result(json);
        return 0;
    }
}
