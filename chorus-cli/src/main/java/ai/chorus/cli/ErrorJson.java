package ai.chorus.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a failure reads: one line for people, and under {@code --json} one object
 * {@code {"error": {"message", "file"?, "flag"?}}} for scripts.
 */
final class ErrorJson {
    /** Jackson's location tail, kept as a short "(line L, column C)". */
    private static final Pattern JACKSON_AT = Pattern.compile("\\s*at \\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\s*at \\[Source: [^\\]]*\\]");
    /** The first absolute path a message names (messages name files by their absolute path). */
    private static final Pattern FILE = Pattern.compile("(?<![\\w.])(/[^\\s:;,()'\"]+)");
    /** A message that starts with a flag is about that flag ("--out X is a file, not a folder"). */
    private static final Pattern LEADING_FLAG = Pattern.compile("^(--[a-z][a-z0-9-]*)");

    /** The object printed under --json: {@code {"error": {...}}}. */
    record Failure(Error error) {}

    /** What failed; {@code file} and {@code flag} only when known. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String message, String file, String flag) {}

    private ErrorJson() {}

    /** The message on one line: Jackson's "at [Source: …]" tails shortened, line breaks folded. */
    static String oneLine(String message) {
        String m = message == null ? "" : message;
        m = JACKSON_AT.matcher(m).replaceAll(" (line $1, column $2)");
        m = JACKSON_SOURCE.matcher(m).replaceAll("");
        return m.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** The error object; {@code flag} when known (usage errors), else the flag a message starts with. */
    static String of(String message, String flag) {
        Matcher file = FILE.matcher(message);
        Matcher leading = LEADING_FLAG.matcher(message);
        return Output.write(new Failure(new Error(message,
                file.find() ? file.group(1).replaceAll("[.]+$", "") : null,
                flag != null ? flag : leading.find() ? leading.group(1) : null)));
    }
}
