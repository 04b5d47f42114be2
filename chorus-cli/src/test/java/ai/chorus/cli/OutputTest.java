package ai.chorus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one --json writer: records in declaration order, snake_case names, one line, nothing without --json. */
class OutputTest {
    record Sample(String stopReason, int promptTokens, double[] logprobs, List<String> pieces, boolean bos) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Optional(String job, Double trainLoss) {}

    @Test
    void aRecordIsWrittenInDeclarationOrderWithSnakeCaseNames() {
        assertThat(Output.write(new Sample("max_tokens", 3, new double[] {-1.5, 0.25}, List.of("a", " b"), false)))
                .isEqualTo("{\"stop_reason\":\"max_tokens\",\"prompt_tokens\":3,\"logprobs\":[-1.5,0.25],"
                        + "\"pieces\":[\"a\",\" b\"],\"bos\":false}");
        assertThat(Output.write(new Optional("seed", null))).isEqualTo("{\"job\":\"seed\"}");
        assertThat(Output.write(new Optional("seed", 4.0))).isEqualTo("{\"job\":\"seed\",\"train_loss\":4.0}");
    }

    @Test
    void theErrorObjectKeepsItsShape() {
        assertThat(ErrorJson.of("--out /tmp/x/run is the run directory; choose", null)).isEqualTo(
                "{\"error\":{\"message\":\"--out /tmp/x/run is the run directory; choose\",\"file\":\"/tmp/x/run\","
                        + "\"flag\":\"--out\"}}");
        assertThat(ErrorJson.of("no models", null)).isEqualTo("{\"error\":{\"message\":\"no models\"}}");
    }

    @Test
    void resultsPrintOnlyUnderJsonAndLinesOnlyWithout() {
        for (boolean json : new boolean[] {false, true}) {
            StringWriter s = new StringWriter();
            Output o = new Output();
            o.json = json;
            o.to(new PrintWriter(s));
            o.line("text");
            o.result(new Optional("seed", null));
            assertThat(s.toString().strip()).isEqualTo(json ? "{\"job\":\"seed\"}" : "text");
        }
    }
}
