package ai.chorus.cli;

import ai.chorus.core.eval.EvalResults;
import ai.chorus.core.mix.Routers;
import ai.chorus.core.run.JsonFiles;
import ai.chorus.engine.InvalidInputException;
import ai.chorus.server.ChorusServer;
import ai.chorus.server.Expert;
import ai.chorus.server.ServeOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the run's experts as one model behind OpenAI's completions API.",
            "Each prompt is routed once, on the prompt; only the experts it keeps generate. Stop with Ctrl-C.",
            "Example: chorus serve --run runs/demo --port 8080 --admin-token $TOKEN"})
final class ServeCommand extends RunCommand {
    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--router", defaultValue = "adaptive", paramLabel = "NAME",
            description = "adaptive (eval's: every expert prefills the prompt, their posterior weighs them, those below"
                    + " 5e-4 stop before generating; ignores --top-k), hybrid (the centroid router picks the top-k on the"
                    + " prompt, their likelihood of the prompt weighs them), centroid (c-BTM, on the prompt) or uniform"
                    + " (default: ${DEFAULT-VALUE}).")
    String router;

    @Option(names = "--top-k", defaultValue = "2", paramLabel = "K", description = "Experts mixed per prompt by hybrid and centroid (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--tau", paramLabel = "T", description = "The centroid router's temperature (default: the one"
            + " 'chorus eval' chose on validation, in eval/results.json; else " + Routers.DEFAULT_TAU + ").")
    Double tau;

    @Option(names = "--workers", paramLabel = "N", description = "Requests generating at once (default: the number of cores).")
    Integer workers;

    @Option(names = "--queue", defaultValue = "256", paramLabel = "N",
            description = "Requests waiting for a worker before more get 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Longest a request may take, waiting included (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--max-prompt-tokens", defaultValue = "1024", paramLabel = "N", description = "Longest prompt accepted (default: ${DEFAULT-VALUE}).")
    int maxPromptTokens;

    @Option(names = "--max-tokens-limit", defaultValue = "512", paramLabel = "N", description = "Largest max_tokens accepted (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", paramLabel = "N", description = "Largest request body (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Bearer token of POST/DELETE /v1/experts (default: $CHORUS_ADMIN_TOKEN; none turns them off).")
    String adminToken;

    /** The temperature {@code chorus eval} used (chosen on validation by default), if the run was evaluated. */
    private double evaluatedTau() {
        Path results = runDir().evalResults();
        try {
            double tau = JsonFiles.read(results, EvalResults.class).tau();
            if (tau > 0) {
                return tau;
            }
        } catch (IOException e) {
            // not evaluated (or unreadable): c-BTM's value
        }
        return Routers.DEFAULT_TAU;
    }

    /** The --json object, printed once the server listens. */
    record Json(String url, int port, List<String> experts) {}

    @Override
    void run() throws Exception {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new InvalidInputException("--timeout must be in (0, 86400] seconds, got "
                    + timeoutSeconds);
        }
        String token = adminToken != null ? adminToken : System.getenv("CHORUS_ADMIN_TOKEN");
        ServeOptions options = new ServeOptions(host, port, router, topK, tau != null ? tau : evaluatedTau(),
                workers != null ? workers : Runtime.getRuntime().availableProcessors(), queue,
                Duration.ofMillis(Math.round(timeoutSeconds * 1000)), maxPromptTokens, maxTokens, maxBodyBytes, token);
        ChorusServer server = ChorusServer.start(runDir(), options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "chorus-serve-shutdown"));
        List<String> experts = server.experts().current().experts().stream().map(Expert::id).toList();
        String url = "http://" + host + ":" + server.port() + "/v1";
        output.line("chorus serve: " + url + " — model 'chorus', " + experts.size() + " experts " + experts + ", router "
                + router + " top-" + topK + " (tau " + options.tau() + "), admin calls " + (options.adminToken() != null ? "on" : "off")
                + "; Ctrl-C stops");
        output.result(new Json(url, server.port(), experts));
        stopped.await();
    }
}
