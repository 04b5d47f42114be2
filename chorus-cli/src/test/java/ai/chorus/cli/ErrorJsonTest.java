package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ErrorJsonTest {
    @Test
    void jacksonTailsAndLineBreaksFoldIntoOneLine() {
        String jackson = "/r/run.json is not valid JSON (Unexpected end-of-input: expected close marker for Object\n"
                + " at [Source: (File)\"/r/run.json\"; line: 1, column: 12]); fix it";
        assertThat(ErrorJson.oneLine(jackson)).isEqualTo("/r/run.json is not valid JSON (Unexpected end-of-input:"
                + " expected close marker for Object (line 1, column 12)); fix it");
        assertThat(ErrorJson.oneLine("a\r\n  b\nc")).isEqualTo("a b c");
    }

    @Test
    void theObjectNamesTheFileAndTheFlagWhenTheMessageDoes() throws Exception {
        JsonNode e = new ObjectMapper().readTree(ErrorJson.of("--out /tmp/x/run is the run directory; choose", null))
                .get("error");
        assertThat(e.get("message").asText()).isEqualTo("--out /tmp/x/run is the run directory; choose");
        assertThat(e.get("flag").asText()).isEqualTo("--out");
        assertThat(e.get("file").asText()).isEqualTo("/tmp/x/run");

        JsonNode plain = new ObjectMapper().readTree(ErrorJson.of("no such thing; pass --force", "--threads"))
                .get("error");
        assertThat(plain.has("file")).isFalse();
        assertThat(plain.get("flag").asText()).isEqualTo("--threads");
        assertThat(new ObjectMapper().readTree(ErrorJson.of("x; pass --force", null)).get("error").has("flag"))
                .as("a flag named only in the remedy is not the culprit").isFalse();
    }
}
