package ai.chorus.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --json} and where results go: human text on stdout by default; with {@code --json},
 * exactly one JSON object on stdout at the end and nothing else there (progress and logs use stderr).
 */
final class Output {
    /**
     * The one writer of every {@code --json} object: a command's result is a record, written on one line
     * with its components in declaration order and named in snake_case ({@code sumLogprob} → {@code sum_logprob}).
     */
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    @Option(names = "--json", description = "Print one JSON object on stdout at the end instead of text.")
    boolean json;

    private PrintWriter out;

    Output to(PrintWriter writer) {
        this.out = writer;
        return this;
    }

    /** A line for humans; suppressed under --json. */
    void line(String text) {
        if (!json) {
            out.println(text);
            out.flush();
        }
    }

    /** A result already serialised as one JSON object; printed only under --json. */
    void resultJson(String json) {
        if (this.json) {
            out.println(json.strip());
            out.flush();
        }
    }

    /** The machine-readable result (a record, or a Jackson tree); printed only under --json. */
    void result(Object value) {
        if (json) {
            out.println(write(value));
            out.flush();
        }
    }

    /** {@code value} as one line of JSON, as {@code --json} prints it. */
    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("result is not serialisable", e);
        }
    }
}
