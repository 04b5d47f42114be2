package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A --jobs child learns that its parent is gone, however the parent died (SIGKILL included). */
class ParentWatchTest {
    @Test
    void runsOnceTheWatchedProcessIsKilled() throws Exception {
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-version").redirectErrorStream(true).start();
        CompletableFuture<Boolean> told = new CompletableFuture<>();
        ParentWatch.whenGone(parent.pid(), () -> told.complete(!parent.isAlive()));
        parent.destroyForcibly(); // SIGKILL: no shutdown hook of the parent runs
        assertThat(told.get()).as("told only after the parent is gone").isTrue();
    }

    @Test
    void aLivingProcessIsNotReportedGone() {
        CompletableFuture<Boolean> told = new CompletableFuture<>();
        ProcessHandle ours = ProcessHandle.current().parent().orElseThrow(); // the build that runs this test
        ParentWatch.whenGone(ours.pid(), () -> told.complete(true));
        assertThat(told).isNotDone();
    }
}
