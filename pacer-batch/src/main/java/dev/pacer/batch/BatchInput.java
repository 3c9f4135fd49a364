package dev.pacer.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A JSONL file of Message Batches request lines ({@code {"custom_id": ..., "params": {...}}}),
 * read and validated whole before anything is sent: every problem is found, with its line.
 */
public final class BatchInput {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CUSTOM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** One request. */
    public record Item(int line, String customId, ObjectNode params) {
    }

    /** One problem, with its line (1-based). */
    public record Problem(int line, String customId, String message) {
        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    private final Path path;
    private final List<Item> items;
    private final List<Problem> problems;
    private final String sha256;

    private BatchInput(Path path, List<Item> items, List<Problem> problems, String sha256) {
        this.path = path;
        this.items = List.copyOf(items);
        this.problems = List.copyOf(problems);
        this.sha256 = sha256;
    }

    /**
     * Reads and validates {@code path}.
     *
     * @throws BatchException with one sentence when the file is missing, unreadable or empty
     */
    public static BatchInput read(Path path) {
        if (!Files.exists(path)) {
            throw new BatchException("The input file " + path + " does not exist; check the path.");
        }
        if (Files.isDirectory(path)) {
            throw new BatchException("The input " + path + " is a directory; give a .jsonl file.");
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Item> items = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        int lineNo = 0;
        int nonBlank = 0;
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                digest.update(line.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '\n');
                if (line.isBlank()) {
                    continue;
                }
                nonBlank++;
                // Editors on Windows start UTF-8 files with a byte-order mark; it is not part of the JSON.
                validate(lineNo, lineNo == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line, items, problems, seen);
            }
        } catch (NoSuchFileException e) {
            throw new BatchException("The input file " + path + " does not exist; check the path.");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new BatchException("The input file " + path + " is not UTF-8 text (line " + (lineNo + 1) + "); save it as UTF-8 JSONL.");
        } catch (IOException e) {
            throw new BatchException("The input file " + path + " cannot be read: " + e.getMessage() + ".");
        }
        if (nonBlank == 0) {
            throw new BatchException("The input file " + path + " is empty; it needs one JSON request per line, like "
                    + "{\"custom_id\": \"q1\", \"params\": {\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 256, \"messages\": [...]}}.");
        }
        return new BatchInput(path, items, problems, HexFormat.of().formatHex(digest.digest()));
    }

    private static void validate(int lineNo, String line, List<Item> items, List<Problem> problems, Map<String, Integer> seen) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            problems.add(new Problem(lineNo, null, "not valid JSON (" + e.getOriginalMessage() + ")"));
            return;
        }
        if (node == null || !node.isObject()) {
            problems.add(new Problem(lineNo, null, "not a JSON object; each line must be {\"custom_id\": ..., \"params\": {...}}"));
            return;
        }
        JsonNode id = node.get("custom_id");
        String customId = id != null && id.isTextual() ? id.asText() : null;
        if (customId == null) {
            problems.add(new Problem(lineNo, null, "custom_id is missing (a string of 1-64 letters, digits, '_' or '-')"));
            return;
        }
        if (!CUSTOM_ID.matcher(customId).matches()) {
            problems.add(new Problem(lineNo, customId, "custom_id '" + clip(customId) + "' is invalid: use 1-64 letters, digits, '_' or '-'"));
            return;
        }
        Integer first = seen.putIfAbsent(customId, lineNo);
        if (first != null) {
            problems.add(new Problem(lineNo, customId, "custom_id '" + customId + "' is used again (first on line " + first + ")"));
            return;
        }
        JsonNode params = node.get("params");
        if (params == null || !params.isObject()) {
            problems.add(new Problem(lineNo, customId, "params is missing (an object with model, max_tokens and messages)"));
            return;
        }
        String paramsProblem = paramsProblem((ObjectNode) params);
        if (paramsProblem != null) {
            problems.add(new Problem(lineNo, customId, paramsProblem));
            return;
        }
        items.add(new Item(lineNo, customId, (ObjectNode) params));
    }

    static String paramsProblem(ObjectNode params) {
        JsonNode model = params.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return "params.model is missing (e.g. \"claude-sonnet-4-5\")";
        }
        JsonNode max = params.get("max_tokens");
        if (max == null || !max.isIntegralNumber() || max.asLong() < 1) {
            return "params.max_tokens must be a whole number of at least 1";
        }
        JsonNode messages = params.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return "params.messages must be a non-empty list of {\"role\": ..., \"content\": ...}";
        }
        int i = 0;
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                return "params.messages[" + i + "].role must be \"user\" or \"assistant\"";
            }
            if (!m.has("content") || m.get("content").isNull()) {
                return "params.messages[" + i + "].content is missing";
            }
            i++;
        }
        if (params.path("stream").asBoolean(false)) {
            return "params.stream must not be true in a batch file";
        }
        return null;
    }

    /**
     * This file as the Message Batches API takes it: a line it would refuse ({@code speed}: fast
     * mode cannot be batched) is a problem too, found now, with its line, rather than an errored
     * result an hour later. ({@code stream: true} and {@code max_tokens: 0}, which it also refuses,
     * are problems for every run.)
     */
    public BatchInput forBatches() {
        List<Item> kept = new ArrayList<>();
        List<Problem> all = new ArrayList<>(problems);
        for (Item item : items) {
            String problem = batchesProblem(item.params());
            if (problem == null) {
                kept.add(item);
            } else {
                all.add(new Problem(item.line(), item.customId(), problem));
            }
        }
        if (kept.size() == items.size()) {
            return this;
        }
        all.sort(java.util.Comparator.comparingInt(Problem::line));
        return new BatchInput(path, kept, all, sha256);
    }

    /**
     * The lines of this file that {@code shard} takes: its requests and its problems; the hash stays the whole
     * file's, so every shard's run checks the same input.
     */
    public BatchInput forShard(Shard shard) {
        if (shard.count() == 1) {
            return this;
        }
        return new BatchInput(path, items.stream().filter(i -> shard.takes(i.line())).toList(),
                problems.stream().filter(p -> shard.takes(p.line())).toList(), sha256);
    }

    static String batchesProblem(ObjectNode params) {
        if (params.has("speed")) {
            return "params.speed is not accepted by the Batches API (fast mode cannot be batched); remove it, or run with --via messages";
        }
        return null;
    }

    /**
     * One warning for each model id of the file that the model-class table does not know, with how
     * many requests name it and the first line: such an id is paced in a quota pool of its own
     * (limits learned from scratch), may have no price, and is most often a typo that the API will
     * answer with 404 for every request.
     */
    public List<String> unknownModelWarnings(Prices prices) {
        dev.pacer.anthropic.ModelClasses classes = dev.pacer.anthropic.ModelClasses.defaults();
        Map<String, int[]> unknown = new java.util.LinkedHashMap<>();
        for (Item item : items) {
            String model = item.params().path("model").asText();
            if (!classes.isKnown(model)) {
                unknown.computeIfAbsent(model, m -> new int[] {0, item.line()})[0]++;
            }
        }
        List<String> warnings = new ArrayList<>();
        unknown.forEach((model, n) -> warnings.add(String.format("Warning: model '%s' (%,d %s, first on line %d) is not a model id Pacer"
                        + " knows: it gets a quota pool of its own%s; check the spelling, as the API answers an unknown model with 404.",
                clip(model), n[0], n[0] == 1 ? "request" : "requests", n[1],
                prices.knows(classes.classOf(model)) ? "" : " and, with no price known, is priced like Sonnet")));
        return warnings;
    }

    private static String clip(String s) {
        return s.length() > 70 ? s.substring(0, 70) + "..." : s;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The valid requests, in file order. */
    public List<Item> items() {
        return items;
    }

    /** The problems, in file order. */
    public List<Problem> problems() {
        return problems;
    }

    /** The SHA-256 of the file's lines: changes when the input changes. */
    public String sha256() {
        return sha256;
    }

    /** The problems as the user reads them: the first 20 with line numbers, then a count. */
    public String describeProblems() {
        StringBuilder sb = new StringBuilder();
        sb.append(path).append(" has ").append(problems.size()).append(problems.size() == 1 ? " invalid line" : " invalid lines")
                .append(" (nothing was sent):");
        for (int i = 0; i < Math.min(20, problems.size()); i++) {
            sb.append(System.lineSeparator()).append("  ").append(problems.get(i));
        }
        if (problems.size() > 20) {
            sb.append(System.lineSeparator()).append("  ... and ").append(problems.size() - 20).append(" more.");
        }
        sb.append(System.lineSeparator()).append("Fix them, or run with --skip-invalid to record them as errored results and run the rest.");
        return sb.toString();
    }
}
