package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The simulator's answer to a Chat Completions request: a tool call when tools are offered, the
 * tool choice allows one and the last message is the user's (the tool named by {@code tool_choice},
 * else the first; its arguments made from the schema's properties), else generated text of a
 * length the request's content decides, cut by {@code max_tokens} ({@code finish_reason: length}) or
 * at the first stop sequence ({@code stop}, the sequence left out). As a whole
 * ({@link #choice()}) or as stream chunks ({@link #chunks}).
 */
final class ChatAnswer {

    private final List<String> pieces;
    private final String toolCallId;
    private final String toolName;
    private final String finishReason;
    private final long completionTokens;

    private ChatAnswer(List<String> pieces, String toolCallId, String toolName, String finishReason, long completionTokens) {
        this.pieces = pieces;
        this.toolCallId = toolCallId;
        this.toolName = toolName;
        this.finishReason = finishReason;
        this.completionTokens = completionTokens;
    }

    static ChatAnswer make(JsonNode body, long seed, long maxTokens) {
        long limit = maxTokens > 0 ? maxTokens : 4096;
        long h = seed;
        for (JsonNode m : body.path("messages")) {
            h = h * 1_000_003 + m.toString().hashCode();
        }
        JsonNode tools = body.path("tools");
        JsonNode choice = body.path("tool_choice");
        JsonNode messages = body.path("messages");
        String lastRole = messages.get(messages.size() - 1).path("role").asText();
        boolean mayCall = tools.isArray() && !tools.isEmpty() && !"none".equals(choice.asText(""));
        boolean mustCall = "required".equals(choice.asText("")) || choice.path("type").asText("").equals("function");
        if (mayCall && (mustCall || lastRole.equals("user"))) {
            JsonNode tool = tools.get(0);
            String named = choice.path("function").path("name").asText("");
            for (JsonNode t : tools) {
                if (t.path("function").path("name").asText().equals(named)) {
                    tool = t;
                }
            }
            String arguments = arguments(tool.path("function").path("parameters")).toString();
            List<String> pieces = new ArrayList<>();
            for (int i = 0; i < arguments.length(); i += 8) {
                pieces.add(arguments.substring(i, Math.min(arguments.length(), i + 8)));
            }
            long tokens = Math.max(1, arguments.length() / 3) + 5;
            String id = "call_" + Long.toHexString(h & 0xffffffffffffL) + "sim";
            return new ChatAnswer(pieces, id, tool.path("function").path("name").asText(), "tool_calls", Math.min(tokens, limit));
        }
        int wanted = 8 + (int) Math.floorMod(h, 120L);
        int tokens = (int) Math.min(wanted, limit);
        List<String> stops = new ArrayList<>();
        if (body.path("stop").isTextual()) {
            stops.add(body.path("stop").asText());
        }
        for (JsonNode s : body.path("stop")) {
            stops.add(s.asText());
        }
        List<String> pieces = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int used = 0;
        String finish = tokens < wanted ? "length" : "stop";
        for (TextGenerator.Delta d : TextGenerator.generate(h, tokens)) {
            int before = text.length();
            text.append(d.text());
            int cut = -1;
            for (String s : stops) {
                int at = s.isEmpty() ? -1 : text.indexOf(s);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                if (cut > before) {
                    pieces.add(text.substring(before, cut));
                }
                used += d.tokens();
                finish = "stop";
                break;
            }
            pieces.add(d.text());
            used += d.tokens();
        }
        return new ChatAnswer(pieces, null, null, finish, Math.max(1, used));
    }

    private static ObjectNode arguments(JsonNode schema) {
        ObjectNode args = Json.object();
        JsonNode props = schema.path("properties");
        List<String> names = new ArrayList<>();
        schema.path("required").forEach(r -> names.add(r.asText()));
        if (names.isEmpty()) {
            props.fieldNames().forEachRemaining(names::add);
        }
        for (String name : names) {
            switch (props.path(name).path("type").asText("string")) {
                case "integer", "number" -> args.put(name, 1);
                case "boolean" -> args.put(name, true);
                case "array" -> args.putArray(name);
                case "object" -> args.putObject(name);
                default -> args.put(name, props.path(name).path("enum").path(0).asText("sim"));
            }
        }
        return args;
    }

    long completionTokens() {
        return completionTokens;
    }

    /** The answer's {@code choices[0]}. */
    ObjectNode choice() {
        ObjectNode choice = Json.object();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (toolName != null) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject();
            call.put("id", toolCallId).put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", String.join("", pieces));
        } else {
            message.put("content", String.join("", pieces));
        }
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /** The stream's chunks: the role, each piece, the finish reason, then the usage chunk when {@code usage} is given. */
    List<ObjectNode> chunks(String id, long created, String model, ObjectNode usage) {
        List<ObjectNode> out = new ArrayList<>();
        ObjectNode first = Json.object().put("role", "assistant");
        if (toolName != null) {
            first.putNull("content");
            ObjectNode call = first.putArray("tool_calls").addObject();
            call.put("index", 0).put("id", toolCallId).put("type", "function");
            call.putObject("function").put("name", toolName).put("arguments", "");
        } else {
            first.put("content", "").putNull("refusal");
        }
        out.add(chunk(id, created, model, first, null, usage != null));
        for (String piece : pieces) {
            ObjectNode delta = Json.object();
            if (toolName != null) {
                delta.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", piece);
            } else {
                delta.put("content", piece);
            }
            out.add(chunk(id, created, model, delta, null, usage != null));
        }
        out.add(chunk(id, created, model, Json.object(), finishReason, usage != null));
        if (usage != null) {
            ObjectNode last = base(id, created, model);
            last.putArray("choices");
            last.set("usage", usage);
            out.add(last);
        }
        return out;
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish, boolean usageNull) {
        ObjectNode c = base(id, created, model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (usageNull) {
            c.putNull("usage");
        }
        return c;
    }

    private static ObjectNode base(String id, long created, String model) {
        ObjectNode c = Json.object();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model)
                .put("service_tier", "default").put("system_fingerprint", "fp_pacersim");
        return c;
    }

    @Override
    public String toString() {
        return "ChatAnswer" + Map.of("finish", finishReason, "tokens", completionTokens);
    }
}
