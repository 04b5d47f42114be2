package ai.chorus.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a failure reads: one line for people, and under {@code --json} one object
 * {@code {"error": {"message", "file"?, "flag"?}}} for scripts.
 */
final class ErrorJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Jackson's location tail, kept as a short "(line L, column C)". */
    private static final Pattern JACKSON_AT = Pattern.compile("\\s*at \\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");
    private static final Pattern JACKSON_SOURCE = Pattern.compile("\\s*at \\[Source: [^\\]]*\\]");
    /** The first absolute path a message names (messages name files by their absolute path). */
    private static final Pattern FILE = Pattern.compile("(?<![\\w.])(/[^\\s:;,()'\"]+)");
    /** A message that starts with a flag is about that flag ("--out X is a file, not a folder"). */
    private static final Pattern LEADING_FLAG = Pattern.compile("^(--[a-z][a-z0-9-]*)");

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
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        Matcher file = FILE.matcher(message);
        if (file.find()) {
            error.put("file", file.group(1).replaceAll("[.]+$", ""));
        }
        Matcher leading = LEADING_FLAG.matcher(message);
        if (flag != null) {
            error.put("flag", flag);
        } else if (leading.find()) {
            error.put("flag", leading.group(1));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
