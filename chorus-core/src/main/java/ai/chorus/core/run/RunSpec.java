package ai.chorus.core.run;

import ai.chorus.engine.InvalidInputException;
import ai.chorus.engine.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code run.json}: what was asked of a run (corpus, sizes, seeds, budgets), human-editable.
 * Each step owns one top-level section ("prepare", "cluster", "train", …) and leaves the others
 * alone, so steps stay independent.
 */
public final class RunSpec {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode root;

    private RunSpec(ObjectNode root) {
        this.root = root;
    }

    public static RunSpec empty() {
        return new RunSpec(JSON.createObjectNode());
    }

    public static RunSpec read(RunDir run) {
        Path file = run.runJson();
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file + " does not exist; run 'chorus prepare --run " + run + "' first");
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new InvalidInputException(file + " must hold one JSON object; fix it or re-run prepare with --force");
            }
            return new RunSpec((ObjectNode) node);
        } catch (IOException e) {
            throw new InvalidInputException(file + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); fix it or re-run prepare with --force");
        }
    }

    /** The section a step owns, created empty when absent. */
    public ObjectNode section(String name) {
        JsonNode n = root.get(name);
        if (n == null || !n.isObject()) {
            return root.putObject(name);
        }
        return (ObjectNode) n;
    }

    public boolean has(String name) {
        return root.hasNonNull(name);
    }

    public ObjectNode root() {
        return root;
    }

    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, JSON.writeValueAsString(root) + "\n");
    }
}
