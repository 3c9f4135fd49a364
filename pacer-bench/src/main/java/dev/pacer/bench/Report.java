package dev.pacer.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes {@code scenarios.json} and {@code scenarios.md}. */
final class Report {

    /** One scenario's results, in strategy order. */
    record Section(Scenario scenario, List<Figures> results) {
    }

    private Report() {
    }

    static void writeJson(Path file, List<Section> sections, boolean quick, long seed, String machine) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("quick", quick);
        root.put("seed", seed);
        root.put("machine", machine);
        ObjectNode limits = root.putObject("limits");
        limits.put("model", Scenario.PRIMARY);
        limits.put("rpm", Scenario.RPM);
        limits.put("itpm", Scenario.ITPM);
        limits.put("otpm", Scenario.OTPM);
        limits.put("otpm_counts", "actual output");
        ArrayNode scenarios = root.putArray("scenarios");
        for (Section s : sections) {
            ObjectNode o = scenarios.addObject();
            o.put("name", s.scenario().name());
            o.put("description", s.scenario().description());
            o.put("time_scale", s.scenario().timeScale());
            o.put("horizon_s", s.scenario().horizon());
            ArrayNode results = o.putArray("results");
            for (Figures f : s.results()) {
                f.writeTo(results.addObject());
            }
        }
        Files.writeString(file, json.writeValueAsString(root) + "\n");
    }

    static void writeMarkdown(Path file, List<Section> sections, boolean quick, long seed, String machine) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Scenario results").append(quick ? " (quick)" : "").append("\n\n");
        md.append("Seed ").append(seed).append("; ").append(machine).append(". Limits: Tier 1 on ").append(Scenario.PRIMARY)
                .append(" (50 RPM, 30,000 ITPM, 8,000 OTPM counted on actual output). Times are simulated seconds.\n\n");
        md.append("`job utilization` = the lower bound of the whole workload / makespan, given only when every request succeeded: "
                + "the figure to compare strategies by, read with `succeeded`. `utilization of the part done` (last column) = the "
                + "lower bound of the work the simulator admitted / makespan: it ignores requests handed back as failures and can "
                + "pass 1.0 by running a bucket into debt (see over-admission), so a strategy that fails requests scores well on it.\n\n");
        for (Section s : sections) {
            md.append(table(s));
        }
        Files.writeString(file, md.toString());
    }

    static String table(Section s) {
        StringBuilder md = new StringBuilder();
        md.append("## ").append(s.scenario().name()).append("\n\n").append(s.scenario().description()).append(".\n\n");
        md.append("| strategy | job utilization | succeeded | failed to caller | wire 429 | wire 529 | over-admission | makespan s "
                + "| attempts | amplification | p50 s | p99 s | interactive p50 / p99 s | deadline misses | fallback answers "
                + "| concurrency | utilization of the part done |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (Figures f : s.results()) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %s | %d/%d | %d%s | %d | %d | %s | %s | %d | %.2f | %s | %s | %s | %s | %d | %s | %s |%n",
                    f.strategy(), Double.isNaN(f.jobUtilization()) ? "– (not done)" : fmt(f.jobUtilization(), 3),
                    f.succeeded(), f.requests(),
                    f.failedToCaller(), f.unfinished() > 0 ? " (" + f.unfinished() + " unfinished)" : "", f.wire429(), f.wire529(),
                    fmt(f.maxWindowOveradmission(), 0), fmt(f.makespan(), 0),
                    f.attempts(), f.amplification(), fmt(f.p50Latency(), 1), fmt(f.p99Latency(), 1),
                    f.interactive() > 0 ? fmt(f.interactiveP50Latency(), 1) + " / " + fmt(f.interactiveP99Latency(), 1) : "–",
                    f.interactive() > 0 ? f.deadlineMisses() + "/" + f.interactive() : "–", f.fallbackAnswers(),
                    f.concurrency(), fmt(f.utilization(), 3)));
        }
        md.append("\n![").append(s.scenario().name()).append("](").append(s.scenario().name()).append(".png)\n\n");
        return md.toString();
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
