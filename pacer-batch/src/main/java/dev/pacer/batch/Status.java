package dev.pacer.batch;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** {@code pacer batch status}: what a run has done and what is left, from its results file and sidecar. */
public final class Status {

    private Status() {
    }

    /** Prints the status; returns the number of requests left (or -1 when the input is unknown). */
    public static int print(Path results, PrintStream out) {
        if (!Files.exists(results)) {
            throw new BatchException("The results file " + results + " does not exist; give the -o file of a run.");
        }
        RunState state = RunState.load(results);
        // Read-only: asking about a file must never change it, even when it is the wrong file.
        Map<String, String> done = ResultLog.read(results);
        Map<String, Integer> byType = new TreeMap<>();
        done.values().forEach(t -> byType.merge(t, 1, Integer::sum));
        out.printf("%s: %,d results%s%n", results, done.size(), byType.isEmpty() ? "" : " " + byType);
        int left = -1;
        if (state.inputPath != null) {
            Path input = Path.of(state.inputPath);
            if (Files.exists(input)) {
                BatchInput in = BatchInput.read(input);
                long total = in.items().size() + in.problems().stream().filter(p -> p.customId() != null).count();
                left = (int) in.items().stream().filter(i -> !done.containsKey(i.customId())).count();
                boolean changed = !in.sha256().equals(state.inputSha256);
                out.printf("Input %s: %,d requests, %,d left%s%n", input, total, left,
                        changed ? " (the input changed since the run started)" : "");
            } else {
                out.printf("Input %s is no longer there.%n", input);
            }
            out.printf("Via: %s%n", state.via);
        }
        for (RunState.Batch b : state.batches) {
            out.printf("Batch %s: %,d requests, %s%n", b.id(), b.customIds().size(), b.merged() ? "merged" : "not merged yet (rerun to merge)");
        }
        if (left > 0) {
            boolean changed = state.inputPath != null && Files.exists(Path.of(state.inputPath))
                    && !BatchInput.read(Path.of(state.inputPath)).sha256().equals(state.inputSha256);
            String flags = state.flags.isEmpty() ? "" : " " + String.join(" ", state.flags);
            out.printf("Resume with: pacer batch run %s -o %s%s%s%n", state.inputPath, results, flags, changed ? " --allow-changed-input" : "");
        } else if (left == 0) {
            out.println("Done.");
        }
        return left;
    }
}
