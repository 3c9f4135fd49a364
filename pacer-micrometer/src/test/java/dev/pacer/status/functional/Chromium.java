package dev.pacer.status.functional;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium}, headless, one process per look: {@link #dumpDom} returns the DOM after the
 * page's scripts have run (virtual time lets its polling go round a few times without waiting for it),
 * {@link #screenshot} saves a PNG. No WebDriver: the command line is enough for a page that only reads.
 */
public final class Chromium {

    private final Path profile;

    public Chromium(Path profile) {
        this.profile = profile;
    }

    /** The browser's path, or a failure saying how to install it. */
    public static String executable() {
        for (String candidate : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("The status page test needs Debian's chromium: apt-get install -y chromium (.ci/run does it).");
    }

    /** The DOM of {@code url} once its scripts have had {@code budgetMillis} of virtual time. */
    public String dumpDom(String url, int budgetMillis) throws IOException, InterruptedException {
        return new String(run(List.of("--dump-dom", "--virtual-time-budget=" + budgetMillis, url)), StandardCharsets.UTF_8);
    }

    /** A screenshot of {@code url} after {@code budgetMillis} of virtual time, {@code width x height}. */
    public void screenshot(String url, Path png, int width, int height, int budgetMillis) throws IOException, InterruptedException {
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, "--hide-scrollbars",
                "--virtual-time-budget=" + budgetMillis, url));
        if (!Files.exists(png) || Files.size(png) == 0) {
            throw new AssertionError("chromium wrote no screenshot to " + png);
        }
    }

    private byte[] run(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath()));
        cmd.addAll(args);
        Path err = Files.createTempFile(profile.getParent(), "chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("chromium failed (" + p.exitValue() + "): " + Files.readString(err));
        }
        return out;
    }
}
