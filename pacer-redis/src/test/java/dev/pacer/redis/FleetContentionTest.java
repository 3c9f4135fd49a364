package dev.pacer.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.quota.Dimension;
import dev.pacer.quota.Limit;
import dev.pacer.quota.QuotaKey;
import dev.pacer.quota.QuotaListener;
import dev.pacer.spi.QuotaModel;
import dev.pacer.spi.QuotaState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Atomicity under contention: several JVM processes (started from this test with the module's test
 * classpath) with several threads each reserve on one quota through one real redis-server, and the
 * admissions never exceed capacity + rate x window over any window, in either dimension. Each
 * admission is known only to lie between the wall-clock instants before and after its reserve, so a
 * window is taken from the earliest "before" to the latest "after" of the admissions inside it: the
 * bound is then exact for the server's own instants, whatever the latency. Redis' own state is
 * checked at the end: nothing in flight, nothing reserved.
 */
class FleetContentionTest {

    private static final int PROCESSES = 3;
    private static final int THREADS = 4;
    private static final long MILLIS = 4_000;

    private record Admission(long before, long after, long requests, long input) {
    }

    @Test
    void severalProcessesNeverAdmitMoreThanCapacityPlusRateTimesWindow() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            String key = "contention";
            List<Admission> admissions = run(server, key, MILLIS, false);
            // Enough contention to mean something: the quota was the brake.
            assertThat(admissions.size()).isGreaterThan((int) ContentionWorker.REQUESTS.capacity());
            assertWindowBound(admissions, true, ContentionWorker.REQUESTS);
            assertWindowBound(admissions, false, ContentionWorker.INPUT);
            double seconds = (admissions.stream().mapToLong(Admission::after).max().orElseThrow()
                    - admissions.stream().mapToLong(Admission::before).min().orElseThrow()) / 1e6;
            // and it was spent, not idled: at least half of what the bound allows over the run
            assertThat((double) admissions.size()).isGreaterThan(0.5 * (ContentionWorker.REQUESTS.capacity()
                    + ContentionWorker.REQUESTS.refillPerSecond() * seconds));

            try (RedisQuotaStore store = RedisQuotaStore.connect(server.uri())) {
                QuotaState state = store.open(QuotaKey.of(key), QuotaModel.perMinute(), QuotaListener.NONE);
                QuotaState.View view = state.view();
                assertThat(view.inFlight()).isZero();
                assertThat(view.dimensions().get(Dimension.REQUESTS).reserved()).isZero();
                assertThat(view.dimensions().get(Dimension.INPUT_TOKENS).reserved()).isZero();
            }
        }
    }

    @Test
    void theSameCheckCatchesProcessesThatDoNotShareTheQuota() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            List<Admission> admissions = run(server, "apart", 1_500, true);
            assertThatThrownBy(() -> assertWindowBound(admissions, true, ContentionWorker.REQUESTS))
                    .isInstanceOf(AssertionError.class);
        }
    }

    private static List<Admission> run(RedisServer server, String key, long millis, boolean memory) throws Exception {
        List<Process> processes = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < PROCESSES; i++) {
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    ContentionWorker.class.getName(), server.uri(), key, Integer.toString(THREADS), Long.toString(millis)));
            if (memory) {
                cmd.add("memory");
            }
            processes.add(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        List<Admission> admissions = new ArrayList<>();
        for (Process p : processes) {
            boolean done = false;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("DONE")) {
                        done = true;
                    } else if (!line.isBlank() && Character.isDigit(line.charAt(0))) {
                        String[] f = line.trim().split(" ");
                        admissions.add(new Admission(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                                Long.parseLong(f[3])));
                    }
                }
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(done).as("worker finished").isTrue();
        }
        return admissions;
    }

    private static void assertWindowBound(List<Admission> all, boolean requests, Limit limit) {
        List<Admission> byBefore = new ArrayList<>(all);
        byBefore.sort(Comparator.comparingLong(Admission::before));
        for (int i = 0; i < byBefore.size(); i++) {
            long start = byBefore.get(i).before();
            List<Admission> inside = new ArrayList<>(byBefore.subList(i, byBefore.size()));
            inside.sort(Comparator.comparingLong(Admission::after));
            long sum = 0;
            for (Admission a : inside) {
                sum += requests ? a.requests() : a.input();
                double window = (a.after() - start) / 1e6;
                assertThat((double) sum).as("%s admitted from %d over %.3f s", requests ? "requests" : "input", start, window)
                        .isLessThanOrEqualTo(limit.capacity() + limit.refillPerSecond() * window + 1e-6);
            }
        }
    }
}
