package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.FaultProfile;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Streams one answer as the API does: {@code message_start}, {@code content_block_start},
 * {@code ping}, the {@code content_block_delta}s as they are generated, {@code content_block_stop},
 * {@code message_delta} with cumulative usage, {@code message_stop} — with a ping every five
 * simulated seconds of generation. Events are flushed whenever the writer is about to wait, so
 * nothing generated sits in a buffer. A faulty stream (drawn from the fault profile) is struck
 * after {@code midStreamAfterEvents} events, and always before {@code message_stop}: it stalls,
 * then ends with {@code event: error} (of the profile's {@code mid-stream-error-type}), a dropped
 * connection, or a clean end without
 * {@code message_stop}.
 */
final class StreamWriter {

    private static final double PING_EVERY_SECONDS = 5;

    private final Answer answer;
    private final int strikeAfter;
    private boolean stall;
    private final boolean midError;
    private final boolean reset;
    private final boolean noStop;
    private final double stallSeconds;
    private final String midErrorType;
    private SseStream out;
    private String requestId;
    private int events;

    /** Signals the end of a stream struck by a fault. */
    private static final class Struck extends Exception {
        Struck() {
            super(null, null, false, false);
        }
    }

    StreamWriter(Answer answer, FaultProfile faults, SplittableRandom dice) {
        this.answer = answer;
        this.strikeAfter = faults.midStreamAfterEvents();
        this.stall = dice.nextDouble() < faults.streamStall();
        this.midError = dice.nextDouble() < faults.midStreamError();
        this.reset = dice.nextDouble() < faults.streamReset();
        this.noStop = dice.nextDouble() < faults.streamNoStop();
        this.stallSeconds = faults.stallSeconds();
        this.midErrorType = faults.midStreamErrorType();
    }

    void write(Exchange ex) throws IOException, InterruptedException {
        requestId = ex.requestId;
        out = ex.stream(answer.headers());
        try {
            opening();
            double lastPing = answer.admittedAt;
            for (TextGenerator.Delta d : answer.generation.deltas()) {
                double due = answer.dueAfter(d.tokens());
                if (answer.mustWait(due, 0)) {
                    out.flush();
                    answer.sim.clock().sleepUntil(due);
                }
                if (!answer.produce(d.tokens())) {
                    cut();
                    return;
                }
                emit("content_block_delta", delta(d.text()));
                if (due - lastPing >= PING_EVERY_SECONDS) {
                    emit("ping", ping());
                    lastPing = due;
                }
            }
            emit("content_block_stop", blockStop());
            emit("message_delta", messageDelta());
            emit("message_stop", type("message_stop"));
            out.end();
        } catch (Struck struck) {
            // the fault has ended the stream
        } catch (IOException clientGone) {
            // the client left: generation stops, and only what was generated counts
        } finally {
            answer.settle();
        }
    }

    private void opening() throws IOException, Struck, InterruptedException {
        ObjectNode start = type("message_start");
        ObjectNode m = MessagesEndpoint.message(answer.messageId, answer.model, "", answer.usage, 1, null, "standard");
        m.putArray("content");
        start.set("message", m);
        emit("message_start", start);
        ObjectNode block = type("content_block_start");
        block.put("index", 0);
        block.putObject("content_block").put("type", "text").put("text", "");
        emit("content_block_start", block);
        emit("ping", ping());
        out.flush();
    }

    /** Writes one event, unless the stream's fault strikes first. */
    private void emit(String name, ObjectNode data) throws IOException, Struck, InterruptedException {
        if (events >= strikeAfter || name.equals("message_stop")) {
            strike();
        }
        out.event(name, data);
        events++;
    }

    private void strike() throws IOException, Struck, InterruptedException {
        Counters counters = answer.sim.counters();
        if (stall) {
            stall = false;
            counters.fault("stream_stall");
            out.flush();
            answer.sim.clock().sleep(stallSeconds);
        }
        if (midError) {
            counters.fault("mid_stream_error");
            out.event("error", error(midErrorType, switch (midErrorType) {
                case "api_error" -> "Internal server error";
                case "rate_limit_error" -> "Rate limit exceeded while generating; try again later.";
                default -> "Overloaded";
            }));
            out.end();
            throw new Struck();
        }
        if (reset) {
            counters.fault("stream_reset");
            out.flush();
            throw new Exchange.Dropped();
        }
        if (noStop) {
            counters.fault("stream_no_stop");
            out.end();
            throw new Struck();
        }
    }

    /** The output bucket ran dry mid-generation ({@code otpm-overrun: cut}): the stream ends with a rate-limit error. */
    private void cut() throws IOException {
        out.event("error", error("rate_limit_error", answer.cutMessage()));
        out.end();
    }

    /**
     * The data of an {@code event: error}: the documented example has no {@code request_id}, and
     * whether the API adds one is not documented, so the setting decides (the id is the stream's
     * {@code request-id} header, as in an error body).
     */
    private ObjectNode error(String errorType, String message) {
        ObjectNode error = type("error");
        error.putObject("error").put("type", errorType).put("message", message);
        if (answer.sim.settings().protocol().streamErrorRequestId()) {
            error.put("request_id", requestId);
        }
        return error;
    }

    private ObjectNode delta(String text) {
        ObjectNode delta = type("content_block_delta");
        delta.put("index", 0);
        delta.putObject("delta").put("type", "text_delta").put("text", text);
        return delta;
    }

    private ObjectNode blockStop() {
        ObjectNode stop = type("content_block_stop");
        stop.put("index", 0);
        return stop;
    }

    private ObjectNode messageDelta() {
        ObjectNode md = type("message_delta");
        ObjectNode delta = md.putObject("delta");
        delta.put("stop_reason", answer.generation.stopReason());
        delta.putNull("stop_sequence");
        ObjectNode u = md.putObject("usage");
        u.put("input_tokens", answer.usage.input());
        u.put("cache_creation_input_tokens", answer.usage.cacheCreation());
        u.put("cache_read_input_tokens", answer.usage.cacheRead());
        u.put("output_tokens", answer.produced());
        return md;
    }

    private static ObjectNode ping() {
        return type("ping");
    }

    private static ObjectNode type(String type) {
        ObjectNode n = Json.object();
        n.put("type", type);
        return n;
    }
}
