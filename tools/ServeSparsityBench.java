import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of sparsity (not a test): with top-k fixed, does the time per generated token stay flat as
 * the server holds more experts? Grows a running chorus serve (started with --top-k 2 and an admin
 * token, on a copy of a run with experts e00..e03) from 2 to 32 experts with the admin API — synthetic
 * experts are the run's own experts loaded again under new ids, each routed through its source's
 * cluster — and times sequential completions (one client, so no queueing) at each size. Sizes are
 * visited in alternating order over many short rounds, so drift in a shared machine's load reaches
 * every size alike; the minimum and the median over rounds are reported per size.
 *
 * Run: java tools/ServeSparsityBench.java --url http://127.0.0.1:18081 --token TOKEN \
 *          [--sizes 2,4,8,16,32] [--rounds 8] [--requests 40] [--max-tokens 32]
 */
public class ServeSparsityBench {
    private static final String[] PROMPTS = {
        "The Commission", "Mr President, ladies and gentlemen", "Det är", "Die Kommission", "La Commission",
        "Il Parlamento europeo", "De Europese Unie", "El señor Presidente",
    };
    private static final Pattern TOKENS = Pattern.compile("\"completion_tokens\":(\\d+)");
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\",\"object\":\"expert\"");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final String url;
    private final String token;

    ServeSparsityBench(String url, String token) {
        this.url = url;
        this.token = token;
    }

    public static void main(String[] args) throws Exception {
        ServeSparsityBench bench = new ServeSparsityBench(arg(args, "--url", "http://127.0.0.1:18081"),
                arg(args, "--token", null));
        int[] sizes = Arrays.stream(arg(args, "--sizes", "2,4,8,16,32").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(arg(args, "--rounds", "8"));
        int requests = Integer.parseInt(arg(args, "--requests", "40"));
        int maxTokens = Integer.parseInt(arg(args, "--max-tokens", "32"));
        Map<Integer, List<Double>> perToken = new LinkedHashMap<>();
        for (int size : sizes) {
            perToken.put(size, new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            // Interleave small and large sizes so drift in the machine's load does not favour either end.
            int[] order = round % 2 == 0 ? sizes : reversed(sizes);
            for (int size : order) {
                bench.resize(size);
                bench.time(10, maxTokens); // warm-up at this size
                double ms = bench.time(requests, maxTokens);
                perToken.get(size).add(ms);
                System.out.printf(Locale.ROOT, "round %d, %2d experts loaded: %.3f ms/token (median of %d requests, those run to max_tokens)%n",
                        round, size, ms, requests);
            }
        }
        double baseMin = min(perToken.get(sizes[0]));
        double baseMedian = median(perToken.get(sizes[0]));
        System.out.println("experts loaded | ms/token min | ratio | ms/token median | ratio   (over " + rounds
                + " rounds)");
        for (Map.Entry<Integer, List<Double>> e : perToken.entrySet()) {
            double lo = min(e.getValue());
            double mid = median(e.getValue());
            System.out.printf(Locale.ROOT, "%14d | %12.3f | %5.2f | %15.3f | %5.2f%n", e.getKey(), lo, lo / baseMin, mid,
                    mid / baseMedian);
        }
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    /** Loads or removes synthetic experts until exactly {@code size} are loaded (e00, e01, then e02.. and copies). */
    void resize(int size) throws Exception {
        List<String> ids = loaded();
        List<String> wanted = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            wanted.add(i < 4 ? String.format("e%02d", i) : String.format("s%02d", i));
        }
        for (String id : ids) {
            if (!wanted.contains(id)) {
                check(send(HttpRequest.newBuilder(URI.create(url + "/v1/experts/" + id)).DELETE()), 200);
            }
        }
        for (int i = 0; i < size; i++) {
            String id = wanted.get(i);
            if (!ids.contains(id)) {
                String body = String.format("{\"path\": \"experts/e%02d\", \"id\": \"%s\", \"cluster\": %d}", i % 4, id,
                        i % 4);
                check(send(HttpRequest.newBuilder(URI.create(url + "/v1/experts"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))), 201);
            }
        }
        if (loaded().size() != size) {
            throw new IllegalStateException("could not reach " + size + " experts: " + loaded());
        }
    }

    /**
     * Median over {@code n} sequential requests of latency / completion tokens, in ms, counting only
     * requests that ran to {@code max_tokens}: one that met {@code <|endoftext|>} early would spread its
     * prompt and HTTP costs over fewer tokens, and which experts stop early depends on the experts loaded.
     */
    double time(int n, int maxTokens) throws Exception {
        double[] perToken = new double[n];
        int full = 0;
        for (int i = 0; i < n; i++) {
            String body = "{\"model\": \"chorus\", \"prompt\": \"" + PROMPTS[i % PROMPTS.length] + "\", \"max_tokens\": "
                    + maxTokens + ", \"temperature\": 0.8, \"seed\": " + i + "}";
            long t0 = System.nanoTime();
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            double ms = (System.nanoTime() - t0) / 1e6;
            check(r, 200);
            Matcher m = TOKENS.matcher(r.body());
            if (m.find() && Integer.parseInt(m.group(1)) == maxTokens) {
                perToken[full++] = ms / maxTokens;
            }
        }
        if (full == 0) {
            throw new IllegalStateException("no request ran to max_tokens " + maxTokens + "; lower it");
        }
        Arrays.sort(perToken, 0, full);
        return perToken[full / 2];
    }

    private List<String> loaded() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url + "/v1/experts")).GET());
        List<String> ids = new ArrayList<>();
        Matcher m = ID.matcher(r.body());
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + " answered "
                    + r.statusCode() + ": " + r.body());
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
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
