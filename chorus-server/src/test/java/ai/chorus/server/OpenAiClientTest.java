package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.chorus.engine.testing.ExternalReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} npm client (pinned in {@code tools/openai-client}, installed by
 * {@code tools/install-test-deps.sh}) against the server: a completion and the same completion
 * streamed, through the client's own parsing. Skipped, with the reason shown, where node or the
 * installed package is missing; under CI=true that fails ({@link ExternalReference}; {@code CHORUS_TEST_NODE}
 * overrides the node).
 */
class OpenAiClientTest {
    private static final String NODE = ExternalReference.node();

    @Test
    void theOfficialClientCompletesAndStreams() throws Exception {
        Path tool = findTool();
        ExternalReference.require(tool != null, "tools/openai-client not found from " + Path.of("").toAbsolutePath());
        ExternalReference.require(nodeVersion() != null, "no node ('" + NODE + " --version' failed)");
        ExternalReference.require(Files.isDirectory(tool.resolve("node_modules/openai")),
                "the openai npm package is not installed in " + tool);

        try (ChorusServer server = ChorusServer.start(ServedRun.get(), ServeOptions.defaults(0))) {
            Process p = new ProcessBuilder(NODE, tool.resolve("check.mjs").toString(),
                    "http://127.0.0.1:" + server.port() + "/v1").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"ok\":true").contains("\"experts\":[{\"id\":\"e0");
        }
    }

    private static Path findTool() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tools/openai-client");
            if (Files.isRegularFile(candidate.resolve("check.mjs"))) {
                return candidate;
            }
        }
        return null;
    }

    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder(NODE, "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 ? v : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
