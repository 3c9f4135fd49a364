package dev.pacer.bench.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A server of the benchmark in its own process (so its heap and CPU are its own, not the load
 * generator's): a Java main of this jar, or any command, whose first output line containing
 * {@code http://} is its URL. Lines can be sent to its standard input and answered on its output.
 */
final class Child implements AutoCloseable {

    final Process process;
    final String url;
    private final BufferedReader out;
    private final PrintWriter in;

    private Child(Process process, String url, boolean known) {
        this.process = process;
        this.url = url;
        this.out = null;
        this.in = null;
        // Output not read: discarded so a chatty process never blocks on a full pipe. A platform thread: a read
        // on a process pipe holds a virtual thread's carrier, and two of them took both carriers of a 2-core machine.
        Thread.ofPlatform().daemon().start(() -> {
            try {
                process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // it ended
            }
        });
    }

    /** A process already listening at {@code url}. */
    static Child wrap(Process process, String url) {
        return new Child(process, url, true);
    }

    private Child(Process process, String marker) throws IOException {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String found = null;
        StringBuilder seen = new StringBuilder();
        for (String line; found == null && (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            int at = line.indexOf(marker);
            if (at >= 0) {
                found = line.substring(at + marker.length()).split("\\s")[0];
            }
        }
        if (found == null) {
            process.destroyForcibly();
            throw new IOException("the process ended without printing its URL:\n" + seen);
        }
        this.url = found;
    }

    /** A Java main of this jar, with these JVM options and arguments; it prints {@code "<marker>URL"}. */
    static Child java(List<String> jvm, Class<?> main, String marker, String... args) throws IOException {
        return java(jvm, System.getProperty("java.class.path"), main, marker, args);
    }

    /** The same, from class path {@code classpath} (another build of the same main). */
    static Child java(List<String> jvm, String classpath, Class<?> main, String marker, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start(), marker);
    }

    /** Sends {@code question} and returns the next output line. */
    String ask(String question) throws IOException {
        in.println(question);
        return out.readLine();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
