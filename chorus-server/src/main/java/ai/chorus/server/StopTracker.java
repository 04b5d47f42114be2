package ai.chorus.server;

import java.util.List;

/**
 * Turns the growing decoded text of a generation into the pieces a client may see: it holds back a
 * trailing incomplete character (decoded as U+FFFD until its last byte arrives) and any tail that could
 * still become a stop sequence, and cuts the text where a stop sequence appears. The pieces therefore
 * concatenate to exactly the final text, streamed or not.
 */
final class StopTracker {
    private final List<String> stops;
    private final MixtureGenerator.TextSink sink;
    private int emitted;

    StopTracker(List<String> stops, MixtureGenerator.TextSink sink) {
        this.stops = stops;
        this.sink = sink;
    }

    /** The text emitted so far (a prefix of every later decoded text). */
    int emittedLength() {
        return emitted;
    }

    /**
     * Emits what of {@code text} (the whole decoded completion so far) is settled; returns true when a
     * stop sequence appeared, after emitting the text before it.
     */
    boolean update(String text) {
        int stable = text.length();
        while (stable > emitted && text.charAt(stable - 1) == '\uFFFD') {
            stable--;
        }
        // Every stop sequence starts at or after `emitted`: a tail that could begin one is never emitted.
        int cut = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, emitted);
            if (at >= 0 && at + stop.length() <= stable && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            emitUpTo(text, cut);
            return true;
        }
        emitUpTo(text, stable - heldBack(text, stable));
        return false;
    }

    /** Emits the rest of {@code text} when generation ends without a stop sequence. */
    void finish(String text) {
        emitUpTo(text, text.length());
    }

    /** The longest tail of text[emitted, end) that is a proper prefix of some stop sequence. */
    private int heldBack(String text, int end) {
        int longest = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, end - emitted); len > longest; len--) {
                if (text.regionMatches(end - len, stop, 0, len)) {
                    longest = len;
                    break;
                }
            }
        }
        return longest;
    }

    private void emitUpTo(String text, int end) {
        if (end > emitted) {
            sink.accept(text.substring(emitted, end));
            emitted = end;
        }
    }
}
