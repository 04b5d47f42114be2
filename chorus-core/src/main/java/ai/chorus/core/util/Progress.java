package ai.chorus.core.util;

/**
 * How long work reports how far it got. Steps call this; the CLI draws a progress bar on a terminal
 * (items/s, ETA) or prints plain periodic lines otherwise; tests pass {@link #NONE}.
 */
public interface Progress {

    /**
     * Starts a task.
     *
     * @param what a short name, e.g. "tokenize"
     * @param total the expected number of units, or -1 if unknown
     * @param unit the unit shown after counts and rates, e.g. "docs", "tok"
     */
    Task start(String what, long total, String unit);

    interface Task extends AutoCloseable {
        /** Adds {@code n} completed units. */
        void advance(long n);

        /** Sets a short status text shown beside the bar, e.g. "loss 3.21". */
        void status(String text);

        @Override
        void close();
    }

    Progress NONE = (what, total, unit) -> new Task() {
        @Override
        public void advance(long n) {}

        @Override
        public void status(String text) {}

        @Override
        public void close() {}
    };
}
