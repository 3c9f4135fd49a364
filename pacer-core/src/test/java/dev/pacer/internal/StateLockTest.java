package dev.pacer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StateLockTest {

    private long counter;
    private int inside;
    private int mostInside;

    @Test
    void noTwoThreadsAreEverInsideAtOnceAndNoIncrementIsLost() throws InterruptedException {
        StateLock lock = new StateLock();
        int threads = 6;
        int rounds = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // Virtual threads too: a waiter that parks must not hold its carrier for good.
            Thread.Builder builder = t % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            workers.add(builder.start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        mostInside = Math.max(mostInside, ++inside);
                        counter++;
                        inside--;
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(counter).isEqualTo((long) threads * rounds);
        assertThat(mostInside).isEqualTo(1);
    }
}
