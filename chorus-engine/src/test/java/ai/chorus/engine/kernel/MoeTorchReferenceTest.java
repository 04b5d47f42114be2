package ai.chorus.engine.kernel;

import ai.chorus.engine.parallel.WorkerPool;
import ai.chorus.engine.testing.ExternalReference;
import ai.chorus.engine.testing.TorchScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static ai.chorus.engine.kernel.GradCheck.randomFloats;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MoE block against HF Mixtral's {@code MixtralSparseMoeBlock} maths written in float64 PyTorch
 * ({@code tools/torch_reference.py --moe}, transformers not needed): output, routing, the balance term
 * (and HF's {@code load_balancing_loss_func}, which is k times it for one layer), and the gradients of
 * Σ dout⊙y + α·balance for x, the router and every expert's w1, w2, w3 under their HF names. Skipped with
 * the reason where python cannot import torch; under CI=true that fails ({@link ExternalReference}).
 */
class MoeTorchReferenceTest {

    private static final String PYTHON = ExternalReference.python();

    @TempDir
    Path dir;

    /** One HF tensor of the block: its name, shape and where its rows lie in Moe's parameter layout. */
    private record HfTensor(String name, int rows, int cols, int offset) {
    }

    @Test
    void outputRoutingBalanceAndGradientsMatchHfMixtralInTorch() throws Exception {
        Path script = TorchScript.find();
        ExternalReference.require(script != null, "tools/torch_reference.py not found from "
                + Path.of("").toAbsolutePath());
        ExternalReference.require(TorchScript.torchAvailable(PYTHON), PYTHON + " cannot import torch");

        int dim = 16, ffn = 24, experts = 4, k = 2, rows = 40;
        float alpha = 0.5f; // large, so that the balance term's gradient shows in W_g's
        Moe moe = new Moe(dim, ffn, experts, k);
        Random random = new Random(3);
        float[] w = randomFloats(random, (int) moe.parameterFloats(), 0.4);
        float[] x = randomFloats(random, rows * dim, 1);
        float[] dout = randomFloats(random, rows * dim, 1);

        List<HfTensor> tensors = new ArrayList<>();
        tensors.add(new HfTensor("gate.weight", experts, dim, moe.routerOffset()));
        for (int e = 0; e < experts; e++) {
            String pre = "experts." + e + ".";
            tensors.add(new HfTensor(pre + "w1.weight", ffn, dim, moe.gateUpOffset(e)));
            tensors.add(new HfTensor(pre + "w2.weight", dim, ffn, moe.downOffset(e)));
            tensors.add(new HfTensor(pre + "w3.weight", ffn, dim, moe.gateUpOffset(e) + ffn * dim));
        }
        StringBuilder list = new StringBuilder();
        ByteBuffer params = ByteBuffer.allocate((int) moe.parameterFloats() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (HfTensor t : tensors) {
            list.append(list.length() == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"name\":\"%s\",\"shape\":[%d,%d]}", t.name(), t.rows(), t.cols()));
            for (int i = 0; i < t.rows() * t.cols(); i++) {
                params.putFloat(w[t.offset() + i]);
            }
        }
        assertThat(params.remaining()).as("the HF tensors cover the block").isZero();
        Files.writeString(dir.resolve("moe.json"), String.format(Locale.ROOT,
                "{\"hidden_size\":%d,\"intermediate_size\":%d,\"num_local_experts\":%d,\"num_experts_per_tok\":%d,"
                        + "\"router_aux_loss_coef\":%s,\"tokens\":%d,\"tensors\":[%s]}",
                dim, ffn, experts, k, alpha, rows, list));
        Files.write(dir.resolve("params.bin"), params.array());
        Files.write(dir.resolve("x.bin"), TorchScript.floats(x));
        Files.write(dir.resolve("dout.bin"), TorchScript.floats(dout));

        Process p = new ProcessBuilder(PYTHON, script.toString(), "--moe", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();

        float[] y = new float[rows * dim];
        float[] dx = new float[rows * dim];
        float[] grad = new float[(int) moe.parameterFloats()];
        float[] wT = new float[(int) moe.transposedFloats()];
        Moe.Activations a = moe.newActivations(rows);
        try (WorkerPool pool = new WorkerPool(2)) {
            moe.transpose(pool, w, 0, wT, 0);
            moe.forward(pool, a, y, 0, x, 0, rows, wT, 0);
            moe.backward(pool, a, dx, 0, dout, 0, x, 0, w, 0, grad, 0, alpha);
        }

        ByteBuffer selected = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("selected.bin")))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int n = 0; n < rows; n++) {
            for (int j = 0; j < k; j++) {
                assertThat(a.expert(n, j)).as("expert %d of token %d", j, n).isEqualTo(selected.getInt());
            }
        }
        double balance = TorchScript.number(out, "\"balance\": ([-0-9.eE+]+)");
        assertThat(Math.abs(a.balance() - balance)).as("balance %s vs torch %s", a.balance(), balance)
                .isLessThan(1e-5 * balance);
        double hfAux = TorchScript.number(out, "\"hf_aux\": ([-0-9.eE+]+)");
        assertThat(Math.abs(k * balance - hfAux)).as("HF's load_balancing_loss_func = k·balance").isLessThan(1e-9);

        compare("y", y, 0, TorchScript.readDoubles(dir.resolve("y.bin")), 0, rows * dim);
        double[] grads = TorchScript.readDoubles(dir.resolve("grads.bin"));
        compare("dx", dx, 0, grads, 0, rows * dim);
        int at = rows * dim;
        for (HfTensor t : tensors) {
            compare(t.name(), grad, t.offset(), grads, at, t.rows() * t.cols());
            at += t.rows() * t.cols();
        }
        assertThat(at).isEqualTo(grads.length);
    }

    /** Relative error of the whole tensor and of its largest element, as TorchReferenceTest checks. */
    private static void compare(String what, float[] actual, int off, double[] ref, int refOff, int n) {
        double diff = 0, norm = 0, maxErr = 0, maxRef = 0;
        for (int i = 0; i < n; i++) {
            double err = Math.abs(actual[off + i] - ref[refOff + i]);
            diff += err * err;
            norm += ref[refOff + i] * ref[refOff + i];
            maxErr = Math.max(maxErr, err);
            maxRef = Math.max(maxRef, Math.abs(ref[refOff + i]));
        }
        assertThat(norm).as(what + " reference is zero").isGreaterThan(0);
        assertThat(Math.sqrt(diff / norm)).as("relative error of " + what).isLessThan(1e-5);
        assertThat(maxErr).as("largest error of " + what).isLessThan(1e-5 * maxRef);
    }

}
