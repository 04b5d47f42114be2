package ai.chorus.cli;

import java.util.Optional;

/**
 * A child job of {@code train --jobs N} watches the process that started it and stops when it is gone. The
 * parent's shutdown hook stops the children on SIGTERM and Ctrl-C, but nothing runs on SIGKILL; without this
 * the children would train on, orphaned. Stopping at any moment is safe: checkpoints are written atomically and
 * the job resumes from the last one.
 */
final class ParentWatch {
    private ParentWatch() {}

    /** Runs {@code onGone} (on a daemon thread) once process {@code pid} has exited, at once if it already has. */
    static void whenGone(long pid, Runnable onGone) {
        Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        if (parent.isEmpty() || !parent.get().isAlive()) {
            onGone.run();
            return;
        }
        parent.get().onExit().thenRun(onGone);
    }
}
