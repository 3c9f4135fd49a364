package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pacer.sim.SimSettings;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the router does when a handler fails unexpectedly: still the API's 500, but never silently. */
class RouterTest {

    /** A request body whose reading fails as a bug in a handler would: with an unchecked exception. */
    private static InputStream failingBody() {
        return new InputStream() {
            @Override
            public int read() {
                throw new IllegalStateException("boom\n  on a second line");
            }
        };
    }

    @Test
    void aFailingHandlerAnswers500AndIsCountedAndReportedInOneLine() throws Exception {
        Simulator sim = new Simulator(SimSettings.builder().build());
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        Router router = new Router(sim, new PrintStream(errors, true, StandardCharsets.UTF_8));
        FakeHttpExchange http = new FakeHttpExchange("POST", "/v1/messages", failingBody());

        router.handle(http);

        assertThat(http.status).isEqualTo(500);
        JsonNode body = Json.MAPPER.readTree(http.body());
        assertThat(body.path("error").path("type").asText()).isEqualTo("api_error");
        String requestId = body.path("request_id").asText();
        assertThat(sim.stats().internalErrors()).isEqualTo(1);
        assertThat(sim.stats().toJson().path("internal_errors").asLong()).isEqualTo(1);
        String printed = errors.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines()).as(printed).hasSize(1);
        assertThat(printed).contains("internal error", "POST /v1/messages", requestId, "java.lang.IllegalStateException: boom on a second line",
                "debug: true");
        sim.reset();
        assertThat(sim.stats().internalErrors()).isZero();
    }

    @Test
    void withDebugTheStackTraceFollowsTheLine() {
        Simulator sim = new Simulator(SimSettings.builder().debug(true).build());
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        new Router(sim, new PrintStream(errors, true, StandardCharsets.UTF_8)).handle(new FakeHttpExchange("POST", "/v1/messages", failingBody()));
        String printed = errors.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().findFirst().orElseThrow()).contains("internal error").doesNotContain("debug: true");
        assertThat(printed).contains("\tat " + RouterTest.class.getName());
    }

    @Test
    void anAnswerThatGoesWellIsNoInternalError() throws Exception {
        Simulator sim = new Simulator(SimSettings.builder().build());
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        FakeHttpExchange http = new FakeHttpExchange("POST", "/v1/messages/count_tokens", new java.io.ByteArrayInputStream(
                "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8)));
        new Router(sim, new PrintStream(errors, true, StandardCharsets.UTF_8)).handle(http);
        assertThat(http.status).isEqualTo(200);
        assertThat(sim.stats().internalErrors()).isZero();
        assertThat(errors.size()).isZero();
    }
}
