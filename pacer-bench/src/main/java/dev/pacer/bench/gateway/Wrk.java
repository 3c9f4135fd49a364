package dev.pacer.bench.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code wrk} with a Messages POST and reads its requests per second and latency percentiles. */
final class Wrk {

    /** One run: requests per second, p50 and p99 in milliseconds, and the answers that were not 2xx. */
    record Run(double rps, double p50Ms, double p99Ms, long non2xx) {
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PCT = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

    static final String BODY = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private Wrk() {
    }

    static boolean available() {
        try {
            return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor() <= 1;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Run run(String url, Map<String, String> headers, int threads, int connections, int seconds, Path dir) throws Exception {
        StringBuilder lua = new StringBuilder("wrk.method = \"POST\"\nwrk.body = '").append(BODY).append("'\n")
                .append("wrk.headers[\"content-type\"] = \"application/json\"\n")
                .append("wrk.headers[\"x-api-key\"] = \"sk-ant-test-bench\"\n")
                .append("wrk.headers[\"anthropic-version\"] = \"2023-06-01\"\n");
        headers.forEach((n, v) -> lua.append("wrk.headers[\"").append(n).append("\"] = \"").append(v).append("\"\n"));
        Path script = Files.writeString(Files.createTempFile(dir, "wrk", ".lua"), lua.toString());
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", script.toString(), url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Matcher rps = RPS.matcher(out);
        if (!rps.find()) {
            throw new IOException("wrk printed no requests/sec:\n" + out);
        }
        double p50 = -1;
        double p99 = -1;
        Matcher m = PCT.matcher(out);
        while (m.find()) {
            double v = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000;
                default -> 1;
            };
            if (m.group(1).equals("50")) {
                p50 = v;
            } else {
                p99 = v;
            }
        }
        Matcher bad = NON2XX.matcher(out);
        return new Run(Double.parseDouble(rps.group(1)), p50, p99, bad.find() ? Long.parseLong(bad.group(1)) : 0);
    }

    static String describe(Run r) {
        return String.format(Locale.ROOT, "%,.0f req/s, p50 %.2f ms, p99 %.2f ms%s", r.rps(), r.p50Ms(), r.p99Ms(),
                r.non2xx() > 0 ? ", " + r.non2xx() + " not 2xx" : "");
    }
}
