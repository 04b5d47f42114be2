package ai.chorus.engine.parallel;

/** What a task on another thread threw, rethrown on the caller's thread as it was. */
public final class Failures {
    private Failures() {}

    /**
     * {@code t} itself when unchecked (so an InvalidInputException stays one and keeps its one-line message),
     * an Error thrown as it is, anything else wrapped: {@code throw Failures.unchecked(cause)}.
     */
    public static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
