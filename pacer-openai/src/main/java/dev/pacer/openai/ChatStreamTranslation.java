package dev.pacer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A Chat Completions stream read as an Anthropic one, event by event and as it arrives: the first
 * chunk opens {@code message_start}; text deltas become a text block ({@code content_block_start},
 * {@code text_delta}s, {@code content_block_stop}); each tool call a {@code tool_use} block whose
 * arguments arrive as {@code input_json_delta}s; {@code data: [DONE]} closes with {@code message_delta}
 * (its {@code stop_reason} from the finish reason, its usage from the usage chunk that
 * {@code stream_options.include_usage} asks for) and {@code message_stop}. An {@code error} object in
 * the stream becomes {@code event: error}; a stream that ends without {@code [DONE]} ends without
 * {@code message_stop}, which a reader takes for a broken stream, as it is. {@link #events()} is the
 * Anthropic SSE text as bytes, so it can be relayed as it is or read with {@code SseReader}. One reader.
 */
public final class ChatStreamTranslation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedReader source;
    private final InputStream body;
    private final String requestModel;
    private final StringBuilder pending = new StringBuilder();
    private byte[] buffer = new byte[0];
    private int position;
    private boolean started;
    private boolean finished;
    private boolean sourceEnded;
    private int blockIndex = -1;
    private String openBlock;
    private int openToolIndex = -1;
    private String finishReason;
    private JsonNode usage;
    private long deltas;

    /** Reads {@code openAiSse} (a Chat Completions stream's body) for a request that asked for {@code requestModel}. */
    public ChatStreamTranslation(InputStream openAiSse, String requestModel) {
        this.body = openAiSse;
        this.source = new BufferedReader(new InputStreamReader(openAiSse, StandardCharsets.UTF_8));
        this.requestModel = requestModel;
    }

    /** The Anthropic events, as SSE bytes, produced as the Chat Completions chunks arrive; closing it closes the source. */
    public InputStream events() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (position >= buffer.length) {
                    if (!fill()) {
                        return -1;
                    }
                }
                int n = Math.min(len, buffer.length - position);
                System.arraycopy(buffer, position, b, off, n);
                position += n;
                return n;
            }

            @Override
            public void close() throws IOException {
                body.close();
            }
        };
    }

    /** The Chat Completions usage the stream reported, or null (before its end, or when the server sends none). */
    public JsonNode usage() {
        return usage;
    }

    /** True once {@code [DONE]} was read and {@code message_stop} produced. */
    public boolean finished() {
        return finished;
    }

    /** Reads source lines until some events are ready; false at the end of the source. */
    private boolean fill() throws IOException {
        pending.setLength(0);
        while (pending.isEmpty()) {
            if (sourceEnded || finished) {
                return false;
            }
            String line = source.readLine();
            if (line == null) {
                sourceEnded = true;
                return false;
            }
            if (line.startsWith("data:")) {
                chunk(line.substring(5).trim());
            }
        }
        buffer = pending.toString().getBytes(StandardCharsets.UTF_8);
        position = 0;
        return true;
    }

    private void chunk(String data) throws IOException {
        if (data.equals("[DONE]")) {
            done();
            return;
        }
        JsonNode c;
        try {
            c = JSON.readTree(data);
        } catch (IOException e) {
            throw new IOException("the Chat Completions stream sent a chunk that is not JSON", e);
        }
        if (c.has("error")) {
            ObjectNode e = JSON.createObjectNode().put("type", "error");
            e.putObject("error").put("type", "api_error").put("message", c.path("error").path("message").asText("stream error"));
            emit("error", e);
            return;
        }
        if (!started) {
            started = true;
            ObjectNode start = JSON.createObjectNode().put("type", "message_start");
            ObjectNode m = start.putObject("message");
            m.put("id", ChatToMessages.messageId(c.path("id").asText(""))).put("type", "message").put("role", "assistant")
                    .put("model", requestModel);
            m.putArray("content");
            m.putNull("stop_reason").putNull("stop_sequence");
            m.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
            emit("message_start", start);
        }
        if (c.path("usage").isObject()) {
            usage = c.get("usage");
        }
        JsonNode choice = c.path("choices").path(0);
        if (choice.isMissingNode()) {
            return;
        }
        JsonNode delta = choice.path("delta");
        String text = delta.path("content").isTextual() ? delta.path("content").asText() : "";
        if (!text.isEmpty()) {
            if (!"text".equals(openBlock)) {
                open("text", JSON.createObjectNode().put("type", "text").put("text", ""));
            }
            deltas++;
            ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", blockIndex);
            d.putObject("delta").put("type", "text_delta").put("text", text);
            emit("content_block_delta", d);
        }
        for (JsonNode call : delta.path("tool_calls")) {
            int index = call.path("index").asInt(0);
            if (!"tool_use".equals(openBlock) || index != openToolIndex) {
                ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", call.path("id").asText(""))
                        .put("name", call.path("function").path("name").asText(""));
                block.putObject("input");
                open("tool_use", block);
                openToolIndex = index;
            }
            String args = call.path("function").path("arguments").asText("");
            if (!args.isEmpty()) {
                deltas++;
                ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", blockIndex);
                d.putObject("delta").put("type", "input_json_delta").put("partial_json", args);
                emit("content_block_delta", d);
            }
        }
        if (choice.path("finish_reason").isTextual()) {
            finishReason = choice.path("finish_reason").asText();
            closeBlock();
        }
    }

    private void open(String kind, ObjectNode block) {
        closeBlock();
        blockIndex++;
        openBlock = kind;
        ObjectNode start = JSON.createObjectNode().put("type", "content_block_start").put("index", blockIndex);
        start.set("content_block", block);
        emit("content_block_start", start);
    }

    private void closeBlock() {
        if (openBlock != null) {
            emit("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", blockIndex));
            openBlock = null;
        }
    }

    private void done() {
        closeBlock();
        ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", ChatToMessages.stopReason(finishReason)).putNull("stop_sequence");
        ObjectNode u = usage != null ? ChatToMessages.usage(usage) : JSON.createObjectNode().put("output_tokens", deltas);
        delta.set("usage", u);
        emit("message_delta", delta);
        emit("message_stop", JSON.createObjectNode().put("type", "message_stop"));
        finished = true;
    }

    private void emit(String event, ObjectNode data) {
        pending.append("event: ").append(event).append('\n').append("data: ").append(data).append("\n\n");
    }
}
