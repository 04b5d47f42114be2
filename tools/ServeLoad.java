import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator for chorus serve (not a test): N concurrent clients send R completion requests in all,
 * each waiting for its answer before sending the next (closed loop). Counts answers by status class and
 * failed connections, and reports latency percentiles, completion tokens per second, and the server's
 * memory before and after (RSS from /proc when --pid is given, JVM heap from /metrics), and (not streamed)
 * the mean number of experts each answer's {@code chorus} object says generated it.
 *
 * Run: java tools/ServeLoad.java --url http://127.0.0.1:18080 --clients 64 --requests 10000 \
 *          --max-tokens 16 [--pid SERVER_PID] [--stream]
 */
public class ServeLoad {
    private static final String[] PROMPTS = {
        "The Commission", "Mr President, ladies and gentlemen", "Det är", "Die Kommission", "La Commission",
        "Il Parlamento europeo", "De Europese Unie", "El señor Presidente", "Komissio", "Ο Πρόεδρος",
        "I would like to thank the rapporteur", "Vi har", "Wir müssen", "Nous devons", "Dobbiamo", "Hemos",
    };

    public static void main(String[] args) throws Exception {
        String url = arg(args, "--url", "http://127.0.0.1:18080");
        int clients = Integer.parseInt(arg(args, "--clients", "64"));
        int requests = Integer.parseInt(arg(args, "--requests", "10000"));
        int maxTokens = Integer.parseInt(arg(args, "--max-tokens", "16"));
        String pid = arg(args, "--pid", null);
        boolean stream = Arrays.asList(args).contains("--stream");

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        Memory before = memory(client, url, pid);
        AtomicInteger next = new AtomicInteger();
        AtomicLongArray byClass = new AtomicLongArray(6); // index = status / 100
        AtomicLong dropped = new AtomicLong();
        AtomicLong tokens = new AtomicLong();
        AtomicLong expertsUsed = new AtomicLong();
        long[] latencyNanos = new long[requests];
        List<String> firstErrors = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            pool.execute(() -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                    String body = "{\"model\": \"chorus\", \"prompt\": \"" + PROMPTS[i % PROMPTS.length]
                            + "\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0.8, \"seed\": " + i
                            + (stream ? ", \"stream\": true, \"stream_options\": {\"include_usage\": true}" : "") + "}";
                    HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                        latencyNanos[i] = System.nanoTime() - start;
                        byClass.incrementAndGet(Math.min(5, r.statusCode() / 100));
                        if (r.statusCode() == 200) {
                            tokens.addAndGet(completionTokens(r.body()));
                            expertsUsed.addAndGet(expertsUsed(r.body()));
                        } else {
                            note(firstErrors, r.statusCode() + " " + r.body());
                        }
                    } catch (IOException e) {
                        latencyNanos[i] = System.nanoTime() - start;
                        dropped.incrementAndGet();
                        note(firstErrors, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.DAYS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Memory after = memory(client, url, pid);

        long[] sorted = latencyNanos.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "clients %d, requests %d, max_tokens %d, %s%n", clients, requests, maxTokens,
                stream ? "streamed" : "not streamed");
        System.out.printf(Locale.ROOT, "status 2xx %d, 4xx %d, 5xx %d; dropped connections %d%n", byClass.get(2),
                byClass.get(4), byClass.get(5), dropped.get());
        System.out.printf(Locale.ROOT, "wall %.1f s, %.1f requests/s, %d completion tokens, %.0f tokens/s%n", seconds,
                requests / seconds, tokens.get(), tokens.get() / seconds);
        if (!stream) {
            System.out.printf(Locale.ROOT, "experts per request (the chorus object's list): %.2f%n",
                    expertsUsed.get() / (double) Math.max(1, byClass.get(2)));
        }
        System.out.printf(Locale.ROOT, "latency ms: p50 %.1f, p90 %.1f, p99 %.1f, max %.1f%n", pct(sorted, 50),
                pct(sorted, 90), pct(sorted, 99), sorted[sorted.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "server memory before: %s%nserver memory after:  %s%n", before, after);
        for (String e : firstErrors) {
            System.out.println("error: " + e);
        }
    }

    private static final Pattern EXPERTS = Pattern.compile("\"router_context\":\"prompt\",\"seed\":-?\\d+,\"experts\":\\[([^\\]]*)\\]");

    /** The experts listed in the response's top-level {@code chorus} object (0 when absent). */
    private static int expertsUsed(String body) {
        Matcher m = EXPERTS.matcher(body);
        return m.find() ? m.group(1).split("\"id\"", -1).length - 1 : 0;
    }

    record Memory(long rssKb, double heapUsedMb, double heapCommittedMb) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "RSS %s MB, heap used %.0f MB of %.0f MB committed",
                    rssKb < 0 ? "?" : Long.toString(rssKb / 1024), heapUsedMb, heapCommittedMb);
        }
    }

    private static Memory memory(HttpClient client, String url, String pid) throws Exception {
        long rss = -1;
        if (pid != null) {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        String metrics = client.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
        return new Memory(rss, sum(metrics, "jvm_memory_used_bytes\\{area=\"heap\"\\} (\\S+)") / 1e6,
                sum(metrics, "jvm_memory_committed_bytes\\{area=\"heap\"\\} (\\S+)") / 1e6);
    }

    private static double sum(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        double s = 0;
        while (m.find()) {
            s += Double.parseDouble(m.group(1));
        }
        return s;
    }

    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");

    private static long completionTokens(String body) {
        Matcher m = COMPLETION_TOKENS.matcher(body);
        long n = 0;
        while (m.find()) {
            n = Long.parseLong(m.group(1)); // the last usage object (streams: the usage chunk)
        }
        return n;
    }

    private static synchronized void note(List<String> errors, String error) {
        if (errors.size() < 5) {
            errors.add(error.length() > 300 ? error.substring(0, 300) : error);
        }
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
