package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

    @Test
    void theCallersHeadersGoOnButHopByHopOnesAndTheClientsOwnDoNot() {
        Map<String, String> caller = new LinkedHashMap<>();
        caller.put("anthropic-beta", "context-1m-2025-08-07");
        caller.put("anthropic-workspace-id", "wrkspc_1");
        caller.put("anthropic-version", "2023-06-01");
        caller.put("user-agent", "team-tool/1.0");
        caller.put("connection", "keep-alive, x-hop");
        caller.put("x-hop", "named by connection");
        caller.put("keep-alive", "timeout=5");
        caller.put("transfer-encoding", "chunked");
        caller.put("te", "trailers");
        caller.put("upgrade", "h2c");
        caller.put("proxy-authorization", "Basic xyz");
        caller.put("host", "evil.example");
        caller.put("content-length", "1");
        caller.put("x-api-key", "sk-ant-test-not-this-one");
        caller.put("authorization", "Bearer sk-ant-test-nor-this");
        caller.put("accept-encoding", "gzip");
        assertThat(ForwardedHeaders.toSend(caller)).containsOnlyKeys("anthropic-beta", "anthropic-workspace-id", "anthropic-version",
                "user-agent");
    }

    @Test
    void hopByHopIsCaseInsensitiveAndIncludesWhatConnectionNames() {
        assertThat(ForwardedHeaders.isHopByHop("Keep-Alive", null)).isTrue();
        assertThat(ForwardedHeaders.isHopByHop("X-Trace", "close, X-Trace")).isTrue();
        assertThat(ForwardedHeaders.isHopByHop("anthropic-beta", "close")).isFalse();
    }
}
