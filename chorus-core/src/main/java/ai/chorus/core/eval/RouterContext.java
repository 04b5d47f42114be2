package ai.chorus.core.eval;

import ai.chorus.engine.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a router may read when it routes a scored token: the window the models themselves see, or the
 * whole document so far.
 *
 * <p>Every model scores a document in independent windows of its context length ({@link TestSet#windows}),
 * so the dense baseline never sees text before its window. A router that keeps the document's earlier
 * windows in its context knows more than any model it is compared with; that is information, not a better
 * mixture, so it is never the headline.
 */
public enum RouterContext {
    /** The tokens already scored in the current window: no more than the models see (the default). */
    WINDOW("window"),
    /** Every earlier token of the document, across windows: information the dense model does not get. */
    DOCUMENT("document");

    private final String key;

    RouterContext(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The routing window in positions for models of context {@code window}: the window, or the whole document. */
    public int span(int window) {
        return this == WINDOW ? window : RoutedEnsemble.WHOLE_DOCUMENT;
    }

    public static RouterContext of(String key) {
        for (RouterContext c : values()) {
            if (c.key.equals(key)) {
                return c;
            }
        }
        throw new InvalidInputException("--router-context must be one of " + Arrays.stream(values())
                .map(RouterContext::key).collect(Collectors.joining(", ")) + ", got '" + key + "'");
    }
}
