package ai.chorus.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Everything a client can get wrong is a 4xx in OpenAI's error shape, naming the field. */
class ErrorsHttpTest {
    private static ChorusServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        ServeOptions o = ServeOptions.defaults(0).withLimits(1, 4, Duration.ofSeconds(60));
        server = ChorusServer.start(ServedRun.get(), new ServeOptions(o.host(), 0, o.router(), o.topK(), o.tau(),
                o.workers(), o.queue(), o.timeout(), 20, 64, 4096, null));
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Asserts the OpenAI error shape and returns the error object. */
    static JsonNode error(Http.Response r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode error = r.json().get("error");
        assertThat(error).as(r.body()).isNotNull();
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isNotBlank();
        assertThat(error.has("param")).isTrue();
        assertThat(error.has("code")).isTrue();
        return error;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            prompt a number             | "prompt": 12                         | prompt      | invalid_type
            prompt token ids            | "prompt": [[1, 2]]                   | prompt      | invalid_type
            prompt missing              | "max_tokens": 3                      | prompt      | missing_required_parameter
            max_tokens a string         | "prompt": "a", "max_tokens": "3"     | max_tokens  | invalid_type
            max_tokens fractional       | "prompt": "a", "max_tokens": 2.5     | max_tokens  | invalid_type
            max_tokens zero             | "prompt": "a", "max_tokens": 0       | max_tokens  | invalid_value
            max_tokens over the limit   | "prompt": "a", "max_tokens": 65      | max_tokens  | invalid_value
            temperature a string        | "prompt": "a", "temperature": "hot"  | temperature | invalid_type
            temperature too high        | "prompt": "a", "temperature": 2.5    | temperature | invalid_value
            temperature negative        | "prompt": "a", "temperature": -1     | temperature | invalid_value
            top_p zero                  | "prompt": "a", "top_p": 0            | top_p       | invalid_value
            top_p above one             | "prompt": "a", "top_p": 1.5          | top_p       | invalid_value
            stop a number               | "prompt": "a", "stop": 3             | stop        | invalid_type
            stop empty                  | "prompt": "a", "stop": [""]          | stop        | invalid_value
            five stops                  | "prompt": "a", "stop": ["1","2","3","4","5"] | stop | too_many_stops
            seed a float                | "prompt": "a", "seed": 1.5           | seed        | invalid_type
            stream a string             | "prompt": "a", "stream": "yes"       | stream      | invalid_type
            logprobs too many           | "prompt": "a", "logprobs": 6         | logprobs    | invalid_value
            logprobs streamed           | "prompt": "a", "logprobs": 1, "stream": true | logprobs | unsupported_value
            n two                       | "prompt": "a", "n": 2                | n           | unsupported_value
            echo                        | "prompt": "a", "echo": true          | echo        | unsupported_value
            model a number              | "prompt": "a", "model": 3            | model       | invalid_type
            """)
    void refusesABadFieldNamingIt(String what, String fields, String param, String code) {
        String body = fields.contains("\"model\"") ? "{" + fields + "}" : "{\"model\": \"chorus\", " + fields + "}";
        JsonNode error = error(http.post("/v1/completions", body), 400);
        assertThat(error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void refusesAnUnknownModelWith404() {
        JsonNode error = error(http.post("/v1/completions", "{\"model\": \"gpt-4\", \"prompt\": \"a\"}"), 404);
        assertThat(error.get("code").asText()).isEqualTo("model_not_found");
        assertThat(error(http.post("/v1/completions", "{\"prompt\": \"a\"}"), 400).get("param").asText())
                .isEqualTo("model");
    }

    @Test
    void refusesBodiesThatAreNotJsonObjects() {
        assertThat(error(http.post("/v1/completions", "{\"model\": \"chorus\", "), 400).get("code").asText())
                .isEqualTo("invalid_json");
        assertThat(error(http.post("/v1/completions", "{} {}"), 400).get("code").asText()).isEqualTo("invalid_json");
        assertThat(error(http.post("/v1/completions", ""), 400).get("code").asText()).isEqualTo("invalid_json");
        assertThat(error(http.post("/v1/completions", "[1, 2]"), 400).get("code").asText()).isEqualTo("invalid_body");
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] head = "{\"model\": \"chorus\", \"prompt\": \"".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 3];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC3; // a lead byte followed by no continuation
        body[head.length + 1] = '"';
        body[head.length + 2] = '}';
        assertThat(error(http.post("/v1/completions", body), 400).get("code").asText()).isEqualTo("invalid_utf8");
    }

    @Test
    void refusesAnOversizeBodyWith413() {
        String big = "{\"model\": \"chorus\", \"prompt\": \"" + "a".repeat(5000) + "\"}";
        assertThat(error(http.post("/v1/completions", big), 413).get("code").asText()).isEqualTo("request_too_large");
    }

    @Test
    void refusesAPromptLongerThanTheLimit() {
        String prompt = "the cat sat on the mat ".repeat(10); // well over 20 tokens, well under 4096 bytes
        JsonNode error = error(http.post("/v1/completions", "{\"model\": \"chorus\", \"prompt\": \"" + prompt + "\"}"),
                400);
        assertThat(error.get("param").asText()).isEqualTo("prompt");
        assertThat(error.get("code").asText()).isEqualTo("context_length_exceeded");
        // Streamed, the prompt is refused before any event is sent: the same JSON error.
        JsonNode streamed = error(http.post("/v1/completions", "{\"model\": \"chorus\", \"stream\": true, "
                + "\"prompt\": [\"short\", \"" + prompt + "\"]}"), 400);
        assertThat(streamed.get("message").asText()).startsWith("prompt 1 is");
    }

    @Test
    void answersUnknownPathsAndMethodsInTheSameShape() {
        assertThat(error(http.get("/v1/chat/nothing"), 404).get("code").asText()).isEqualTo("unknown_url");
        Http.Response r = http.delete("/v1/completions");
        assertThat(r.status()).isBetween(404, 405);
        error(r, r.status());
    }

    @Test
    void theServerStillServesAfterEveryRefusal() {
        Http.Response r = http.post("/v1/completions", "{\"model\": \"chorus\", \"prompt\": \"a\", \"max_tokens\": 2}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
}
