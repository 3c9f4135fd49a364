package dev.pacer.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostCapTest {

    private static RunOptions options(Double maxCost, List<String> fallback) {
        return new RunOptions(Path.of("in.jsonl"), Path.of("out.jsonl"), RunOptions.Via.MESSAGES, "http://127.0.0.1:1", "sk-ant-test-cap",
                fallback, maxCost, null, false, false, null, null, Duration.ofSeconds(1), Map.of(), dev.pacer.time.PacerClock.system(),
                dev.pacer.time.PacerScheduler.system(), new PrintStream(OutputStream.nullOutputStream()), false, Prices.defaults(),
                Duration.ofSeconds(1), false, false);
    }

    private static BatchInput.Item item(String id, String model, int maxTokens) {
        ObjectNode params = BatchInput.JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
        params.putArray("messages").addObject().put("role", "user").put("content", "a short question");
        return new BatchInput.Item(1, id, params);
    }

    private static List<BatchInput.Item> items(int n) {
        List<BatchInput.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(item("q-" + i, "claude-sonnet-4-5", 1_000));
        }
        return items;
    }

    @Test
    void aLiveRequestsWorstCaseIsAtTheDearestModelItMayEndUpOnAndTheBatchesApiHalvesIt() {
        BatchInput.Item haiku = item("q", "claude-haiku-4-5", 1_000);
        Tally tally = new Tally();
        double alone = CostCap.live(options(null, List.of()), tally).worstCase(haiku);
        double withSonnetFallback = CostCap.live(options(null, List.of("claude-sonnet-4-5")), tally).worstCase(haiku);
        double batches = CostCap.batches(options(null, List.of("claude-sonnet-4-5")), tally).worstCase(haiku);
        assertThat(withSonnetFallback).isGreaterThan(alone);
        assertThat(batches).as("half price, and a batch never falls back").isCloseTo(alone / 2, offset(1e-12));
    }

    @Test
    void workGoesOutOnlyWhileSpentPlusCommittedPlusItsWorstCaseStaysWithinTheCap() {
        Tally tally = new Tally();
        BatchInput.Item one = items(1).get(0);
        double worst = CostCap.live(options(null, List.of()), tally).worstCase(one);
        CostCap cap = CostCap.live(options(worst * 2.5, List.of()), tally);
        assertThat(cap.tryCommit("a", List.of(one))).isTrue();
        assertThat(cap.tryCommit("b", List.of(one))).isTrue();
        assertThat(cap.tryCommit("c", List.of(one))).as("a third could pass the cap").isFalse();
        assertThat(cap.tryCommit("a", List.of(one))).as("a retry of work already out costs nothing more").isTrue();
        assertThat(cap.committed()).isCloseTo(2 * worst, offset(1e-12));
        // "a" ends having cost a tenth of its worst case: its real cost is spent, the rest is room again.
        tally.cost.add(worst / 10);
        cap.release("a");
        assertThat(cap.holds("a")).isFalse();
        assertThat(cap.tryCommit("c", List.of(one))).isTrue();
        assertThat(cap.spent() + cap.committed()).isLessThanOrEqualTo(cap.usd());
    }

    @Test
    void aBatchIsTheLongestPrefixThatFitsAndWorkAlreadyOutIsHeldEvenPastTheCap() {
        Tally tally = new Tally();
        List<BatchInput.Item> ten = items(10);
        double worst = CostCap.batches(options(null, List.of()), tally).worstCase(ten.get(0));
        CostCap cap = CostCap.batches(options(worst * 4.5, List.of()), tally);
        assertThat(cap.affordablePrefix(ten)).hasSize(4);
        cap.hold("msgbatch_resumed", ten.subList(0, 6));
        assertThat(cap.committed()).isGreaterThan(cap.usd());
        assertThat(cap.affordablePrefix(ten)).isEmpty();
        cap.release("msgbatch_resumed");
        assertThat(cap.committed()).isZero();
        assertThat(CostCap.batches(options(null, List.of()), tally).affordablePrefix(ten)).as("no cap: everything").hasSize(10);
    }
}
