package dev.pacer.batch;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Hands a live run's requests to the engine while fewer than {@code maxOutstanding} are unhandled
 * and the run is not stopping; {@link #drained()} completes once nothing more will be submitted and
 * every submitted request has been handled. {@link #feed()} is called once to start, by every
 * completion, and by a stop. A call made while another is feeding (a request that completes at
 * once, on the submitting thread) only asks that one to look again, so feeding never recurses and
 * never runs twice at once, and no thread waits on a timer to look again.
 *
 * <p>Invariant: {@code unhandled} holds exactly the submitted requests not yet handled.
 */
final class LiveFeeder {

    private final Iterator<BatchInput.Item> next;
    private final int maxOutstanding;
    private final StopSignal stop;
    private final Function<BatchInput.Item, CompletableFuture<Void>> submit;
    private final Map<String, CompletableFuture<Void>> unhandled = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    /** Under {@code this}. */
    private boolean feeding;
    private boolean again;

    /** {@code submit} hands one request to the engine; its future completes once the request is handled, never exceptionally. */
    LiveFeeder(List<BatchInput.Item> todo, int maxOutstanding, StopSignal stop, Function<BatchInput.Item, CompletableFuture<Void>> submit) {
        this.next = todo.iterator();
        this.maxOutstanding = maxOutstanding;
        this.stop = stop;
        this.submit = submit;
    }

    /** Completes when nothing more will be submitted and everything submitted was handled. */
    CompletableFuture<Void> drained() {
        return drained;
    }

    /** The handling of a submitted request not handled yet, or null. */
    CompletableFuture<Void> unhandled(String customId) {
        return unhandled.get(customId);
    }

    void feed() {
        synchronized (this) {
            if (feeding) {
                again = true;
                return;
            }
            feeding = true;
            again = false;
        }
        while (true) {
            BatchInput.Item item = null;
            synchronized (this) {
                boolean more = next.hasNext() && !stop.isSet();
                if (more && unhandled.size() < maxOutstanding) {
                    item = next.next();
                } else if (again) {
                    again = false;
                    continue;
                } else {
                    feeding = false;
                    if (!more && unhandled.isEmpty()) {
                        drained.complete(null);
                    }
                    return;
                }
            }
            String id = item.customId();
            CompletableFuture<Void> handled = submit.apply(item);
            unhandled.put(id, handled);
            handled.whenComplete((ignored, neverFails) -> {
                unhandled.remove(id);
                feed();
            });
        }
    }
}
