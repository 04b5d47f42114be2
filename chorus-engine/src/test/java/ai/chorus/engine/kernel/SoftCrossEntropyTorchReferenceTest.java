package ai.chorus.engine.kernel;

import ai.chorus.engine.kernel.SoftCrossEntropyTest.Batch;
import ai.chorus.engine.kernel.SoftCrossEntropyTest.Layout;
import ai.chorus.engine.parallel.WorkerPool;
import ai.chorus.engine.testing.ExternalReference;
import ai.chorus.engine.testing.TorchScript;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distillation loss against PyTorch's own {@code kl_div}, {@code log_softmax} and {@code cross_entropy}
 * in float64 ({@code tools/torch_reference.py --distill}): per-row losses and the gradient of the mean, for
 * each teacher layout (the sparse one made dense there with {@code scatter}, independently of the kernel),
 * at T = 1 and T = 2. Skipped with the reason where python cannot import torch; under CI=true that fails
 * ({@link ExternalReference}).
 */
class SoftCrossEntropyTorchReferenceTest {

    private static final String PYTHON = ExternalReference.python();

    @TempDir
    Path dir;

    /** One comparison: a teacher layout, T and α. */
    private record Case(Layout layout, float temperature, float alpha) {
    }

    private static final List<Case> CASES = List.of(new Case(Layout.PROBABILITIES, 1, 0.5f),
            new Case(Layout.LOG_PROBABILITIES, 2, 0.7f), new Case(Layout.SPARSE, 1, 0.5f),
            new Case(Layout.SPARSE, 2, 0.3f), new Case(Layout.SPARSE, 2, 1f));

    @Test
    void lossAndGradientMatchTorch() throws Exception {
        Path script = TorchScript.find();
        ExternalReference.require(script != null, "tools/torch_reference.py not found from "
                + Path.of("").toAbsolutePath());
        ExternalReference.require(TorchScript.torchAvailable(PYTHON), PYTHON + " cannot import torch");

        int rows = 13, vocab = 70, m = 9;
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString(), "--distill"));
        List<Batch> batches = new ArrayList<>();
        for (int c = 0; c < CASES.size(); c++) { // one python for all cases: importing torch is the slow part
            Case k = CASES.get(c);
            Path d = Files.createDirectory(dir.resolve("case" + c));
            Batch b = SoftCrossEntropyTest.batch(new Random(5 + c), rows, vocab, m);
            batches.add(b);
            Files.writeString(d.resolve("distill.json"), String.format(Locale.ROOT,
                    "{\"rows\":%d,\"vocab\":%d,\"alpha\":%s,\"temperature\":%s,\"layout\":\"%s\",\"m\":%d}",
                    rows, vocab, k.alpha(), k.temperature(), k.layout().name().toLowerCase(Locale.ROOT), m));
            Files.write(d.resolve("logits.bin"), TorchScript.floats(b.logits()));
            Files.write(d.resolve("targets.bin"), TorchScript.ints(b.targets()));
            switch (k.layout()) {
                case PROBABILITIES -> Files.write(d.resolve("teacher.bin"), TorchScript.floats(b.probs()));
                case LOG_PROBABILITIES -> Files.write(d.resolve("teacher.bin"), TorchScript.floats(b.logProbs()));
                case SPARSE -> {
                    Files.write(d.resolve("ids.bin"), TorchScript.ints(b.ids()));
                    Files.write(d.resolve("logp.bin"), TorchScript.floats(b.topLogProbs()));
                }
            }
            command.add(d.toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        try (WorkerPool pool = new WorkerPool(2)) {
            for (int c = 0; c < CASES.size(); c++) {
                Case k = CASES.get(c);
                Batch b = batches.get(c);
                float[] grad = b.logits().clone();
                float[] losses = SoftCrossEntropyTest.call(new SoftCrossEntropy(vocab), pool, b, k.layout(), grad,
                        k.alpha(), k.temperature(), 1f / rows, true);
                Path d = dir.resolve("case" + c);
                compare(k + ": per-row loss", losses, TorchScript.readDoubles(d.resolve("losses.bin")));
                compare(k + ": dlogits", grad, TorchScript.readDoubles(d.resolve("grads.bin")));
            }
        }
    }

    /** Relative error of the whole tensor and of its largest element, as MoeTorchReferenceTest checks. */
    private static void compare(String what, float[] actual, double[] ref) {
        assertThat(actual.length).isEqualTo(ref.length);
        double diff = 0, norm = 0, maxErr = 0, maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(actual[i] - ref[i]);
            assertThat(Double.isNaN(ref[i])).as("torch gave NaN at %s[%d]", what, i).isFalse();
            diff += err * err;
            norm += ref[i] * ref[i];
            maxErr = Math.max(maxErr, err);
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        assertThat(norm).as(what + " reference is zero").isGreaterThan(0);
        assertThat(Math.sqrt(diff / norm)).as("relative error of " + what).isLessThan(1e-5);
        assertThat(maxErr).as("largest error of " + what).isLessThan(1e-5 * maxRef);
    }

}
