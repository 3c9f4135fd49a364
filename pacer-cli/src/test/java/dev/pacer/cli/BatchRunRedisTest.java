package dev.pacer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.redis.RedisServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code batch run --redis}: the quota's state goes to a real redis-server; bad URIs are one sentence, never with the password;
 * {@code --shard i/n} runs share one file between processes, each line answered once.
 */
class BatchRunRedisTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return PacerCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private static Path input(Path dir, int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"custom_id\":\"r").append(i).append("\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":16,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"hi ").append(i).append("\"}]}}\n");
        }
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, sb);
        return in;
    }

    @Test
    void aRunSharesItsQuotaThroughRedis(@TempDir Path dir) throws Exception {
        try (RedisServer server = RedisServer.start("--requirepass", "s3cret-pw")) {
            Path in = input(dir, 6);
            String uri = "redis://:s3cret-pw@127.0.0.1:" + server.port();
            assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("out.jsonl").toString(), "--sim", "--redis", uri,
                    "--progress", "log")).as(err.toString()).isZero();
            assertThat(Files.readAllLines(dir.resolve("out.jsonl"))).hasSize(6);
            // the quota's state (levels, fleet heartbeats) is in Redis
            assertThat(Long.parseLong(server.command("AUTH s3cret-pw", "DBSIZE").substring(1))).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void twoShardsOfOneFileShareTheQuotaAndAnswerEveryLineOnce(@TempDir Path dir) throws Exception {
        try (RedisServer server = RedisServer.start()) {
            Path in = input(dir, 7);
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (String shard : new String[] {"1/2", "2/2"}) {
                Path out = dir.resolve("out-" + shard.charAt(0) + ".jsonl");
                assertThat(run("batch", "run", in.toString(), "-o", out.toString(), "--sim", "--redis", server.uri(), "--shard", shard,
                        "--progress", "log")).as(err.toString()).isZero();
                for (String line : Files.readAllLines(out)) {
                    ids.add(line.substring(0, line.indexOf(',')));
                }
            }
            assertThat(ids).hasSize(7).doesNotHaveDuplicates();
            err.getBuffer().setLength(0);
            assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("x.jsonl").toString(), "--sim", "--shard", "3")).isEqualTo(2);
            assertThat(err.toString()).contains("pacer: --shard must be i/n").doesNotContain("\tat ");
        }
    }

    @Test
    void badOrUnreachableRedisIsOneSentenceWithoutThePassword(@TempDir Path dir) throws Exception {
        Path in = input(dir, 1);
        String[][] cases = {
            {"http://:s3cret-pw@host", "--redis: The Redis URI 'http://:***@host' is invalid"},
            {"redis://:s3cret-pw@127.0.0.1:" + RedisServer.freePortUnchecked(), "--redis: Redis at redis://:***@127.0.0.1:"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("out.jsonl").toString(), "--sim", "--redis", c[0]))
                    .as(c[0]).isEqualTo(2);
            assertThat(err.toString()).contains("pacer: " + c[1]).doesNotContain("s3cret-pw").doesNotContain("\tat ");
        }
        Files.writeString(dir.resolve("pacer.yaml"), "redis: \"redis://:s3cret-pw@host:1\"\nredis-unavailable: fail-shut\n");
        err.getBuffer().setLength(0);
        assertThat(run("batch", "run", in.toString(), "-o", dir.resolve("out.jsonl").toString(), "--config",
                dir.resolve("pacer.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("line 2: redis-unavailable:").doesNotContain("s3cret-pw");
    }
}
