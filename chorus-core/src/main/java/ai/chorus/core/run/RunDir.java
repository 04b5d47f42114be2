package ai.chorus.core.run;

import ai.chorus.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The run directory: the files every step reads and writes (see DESIGN.md). One place knows the
 * layout, so no step builds paths of its own.
 */
public record RunDir(Path root) {

    public RunDir {
        root = root.toAbsolutePath().normalize();
    }

    public static RunDir of(Path root) {
        return new RunDir(root);
    }

    /** The run whose {@link #dataDir()} this is. */
    public static RunDir ofDataDir(Path dataDir) {
        return new RunDir(dataDir.toAbsolutePath().normalize().getParent());
    }

    public Path runJson() {
        return root.resolve("run.json");
    }

    public Path tokenizerJson() {
        return root.resolve("tokenizer.json");
    }

    public Path dataDir() {
        return root.resolve("data");
    }

    public Path clustersDir() {
        return root.resolve("clusters");
    }

    /** What the clustering was made from ({@link RunFingerprints}). */
    public Path clusterInputs() {
        return clustersDir().resolve("inputs.json");
    }

    public Path seedDir() {
        return root.resolve("seed");
    }

    public Path expertDir(int expert) {
        return root.resolve("experts").resolve(String.format("e%02d", expert));
    }

    public Path denseDir() {
        return root.resolve("dense");
    }

    public Path randomExpertDir(int expert) {
        return root.resolve("random").resolve(String.format("e%02d", expert));
    }

    /** Where {@code chorus merge} puts merged models by default, one folder each; eval scores them all. */
    public Path mergedDir() {
        return root.resolve("merged");
    }

    public Path evalDir() {
        return root.resolve("eval");
    }

    public boolean isPrepared() {
        return Files.isRegularFile(runJson()) && Files.isRegularFile(tokenizerJson())
                && Files.isRegularFile(dataDir().resolve("meta.json"));
    }

    /** Fails with a clear message unless {@code chorus prepare} has completed here. */
    public void requirePrepared() {
        if (!Files.isDirectory(root)) {
            throw new InvalidInputException("run directory " + root + " does not exist; create it with "
                    + "'chorus prepare --run " + root + " --corpus europarl'");
        }
        if (!isPrepared()) {
            throw new InvalidInputException("run directory " + root + " has no prepared data; run "
                    + "'chorus prepare --run " + root + "' first");
        }
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
