package dev.pacer.batch.functional;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.batch.BatchException;
import dev.pacer.batch.BatchRunner;
import dev.pacer.batch.Shard;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --shard i/n}: runs on one file, each with its own results file, answer every request exactly once
 * between them; a shard resumes on its own, and a results file refuses another shard's resume.
 */
class ShardRunTest {

    @TempDir
    Path dir;

    @Test
    void fourShardsAnswerEveryLineOnceEachInItsOwnResultsFileAndResume() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_4).timeScale(60).seed(21).start()) {
            Runs runs = new Runs(sim, dir);
            Path in = runs.input("in.jsonl", 23, 3, 20);
            Map<String, Integer> all = new HashMap<>();
            for (int i = 1; i <= 4; i++) {
                Path out = dir.resolve("out-" + i + ".jsonl");
                BatchRunner.Summary s = new BatchRunner(runs.options(in, out)).shard(new Shard(i, 4)).run();
                assertThat(s.ending()).isEqualTo(BatchRunner.Ending.DONE);
                assertThat(s.total()).as("shard " + i).isEqualTo(i <= 3 ? 6 : 5); // lines 1..23: 6, 6, 6, 5
                Runs.ids(out).forEach((id, n) -> all.merge(id, n, Integer::sum));
                // line l (from 1) holds q-l: shard i takes the lines l with (l-1) mod 4 == i-1
                int shard = i;
                assertThat(Runs.ids(out).keySet()).allSatisfy(id -> assertThat((Integer.parseInt(id.substring(2)) - 1) % 4).isEqualTo(shard - 1));
            }
            assertThat(all).hasSize(23).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            long requests = sim.snapshot().requests();

            BatchRunner.Summary again = new BatchRunner(runs.options(in, dir.resolve("out-2.jsonl"))).shard(new Shard(2, 4)).run();
            assertThat(again.skippedAsDone()).isEqualTo(6);
            assertThat(sim.snapshot().requests()).as("a finished shard sends nothing on resume").isEqualTo(requests);
            assertThat(Files.readString(dir.resolve("out-2.jsonl.pacer.json"))).contains("\"shard\" : \"2/4\"").contains("\"--shard\", \"2/4\"");

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BatchRunner(runs.options(in, dir.resolve("out-2.jsonl")))
                            .shard(new Shard(3, 4)).run())
                    .isInstanceOf(BatchException.class)
                    .hasMessage(dir.resolve("out-2.jsonl") + " holds the results of --shard 2/4, not of --shard 3/4; resume it with --shard 2/4,"
                            + " or give this share a results file of its own.");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BatchRunner(runs.options(in, dir.resolve("out-2.jsonl"))).run())
                    .isInstanceOf(BatchException.class).hasMessageContaining("not of the whole file");
        }
    }

    @Test
    void aShardIsIOverNAndAnythingElseIsOneSentence() {
        assertThat(Shard.parse("2/4")).isEqualTo(new Shard(2, 4));
        assertThat(Shard.parse(" 1 / 1 ")).isEqualTo(Shard.ALL);
        for (String bad : List.of("5/4", "0/3", "2", "a/b", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Shard.parse(bad)).isInstanceOf(BatchException.class)
                    .hasMessageStartingWith("--shard must be i/n").hasMessageContaining("like 2/4");
        }
    }
}
