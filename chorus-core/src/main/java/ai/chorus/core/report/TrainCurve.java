package ai.chorus.core.report;

import ai.chorus.engine.InvalidInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One job's {@code train.jsonl}: training loss per step and validation loss where it was measured,
 * both against tokens seen.
 *
 * @param tokens tokens seen at each logged step
 * @param loss training loss at each logged step
 * @param validTokens tokens seen where a validation loss was measured
 * @param validLoss those validation losses
 * @param skippedLines lines that were not a complete record (a job still writing its last line)
 */
public record TrainCurve(double[] tokens, double[] loss, double[] validTokens, double[] validLoss, int skippedLines) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads a log. The file is appended to while a job trains, so a line that does not parse (a torn
     * last line) is skipped and counted rather than failing the whole report.
     */
    public static TrainCurve read(Path file) throws IOException {
        double[] tokens = new double[256];
        double[] loss = new double[256];
        double[] validTokens = new double[32];
        double[] validLoss = new double[32];
        int n = 0;
        int v = 0;
        int skipped = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = JSON.readTree(line);
                } catch (IOException e) {
                    skipped++;
                    continue;
                }
                if (record == null || !record.path("tokens").isNumber() || !record.path("loss").isNumber()) {
                    skipped++;
                    continue;
                }
                double t = record.get("tokens").asDouble();
                if (n == tokens.length) {
                    tokens = Arrays.copyOf(tokens, 2 * n);
                    loss = Arrays.copyOf(loss, 2 * n);
                }
                tokens[n] = t;
                loss[n++] = record.get("loss").asDouble();
                if (record.path("val_loss").isNumber()) {
                    if (v == validTokens.length) {
                        validTokens = Arrays.copyOf(validTokens, 2 * v);
                        validLoss = Arrays.copyOf(validLoss, 2 * v);
                    }
                    validTokens[v] = t;
                    validLoss[v++] = record.get("val_loss").asDouble();
                }
            }
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file + " is not UTF-8 text (damaged?); delete it or retrain the job with"
                    + " --force");
        }
        return new TrainCurve(Arrays.copyOf(tokens, n), Arrays.copyOf(loss, n), Arrays.copyOf(validTokens, v),
                Arrays.copyOf(validLoss, v), skipped);
    }

    public int size() {
        return tokens.length;
    }

    /** The training loss smoothed over about 1/40 of the run, so curves of any length look alike. */
    public double[] smoothedLoss() {
        return smooth(loss, Math.max(1, loss.length / 40));
    }

    /**
     * Exponential moving average with the start-up bias removed (as TensorBoard does), so the first
     * points are not dragged towards zero: s_t = Σ β^(t-i) x_i / Σ β^(t-i), with β = 1 − 1/window.
     * A constant series stays constant and every output lies within the inputs' range.
     */
    public static double[] smooth(double[] values, int window) {
        double beta = 1 - 1.0 / window;
        double[] out = new double[values.length];
        double sum = 0;
        double weight = 0;
        for (int i = 0; i < values.length; i++) {
            sum = beta * sum + values[i];
            weight = beta * weight + 1;
            out[i] = sum / weight;
        }
        return out;
    }
}
