package dev.pacer.sim.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The simulator-wide counters: API requests, responses by status, injected faults by kind, internal errors. */
final class Counters {

    private final LongAdder requests = new LongAdder();
    private final LongAdder internalErrors = new LongAdder();
    private final ConcurrentHashMap<Integer, LongAdder> responses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> faults = new ConcurrentHashMap<>();

    void request() {
        requests.increment();
    }

    void response(int status) {
        responses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    void fault(String kind) {
        faults.computeIfAbsent(kind, s -> new LongAdder()).increment();
    }

    /** A handler failed unexpectedly: a simulator bug, answered (when still possible) 500 {@code api_error}. */
    void internalError() {
        internalErrors.increment();
    }

    long requests() {
        return requests.sum();
    }

    long internalErrors() {
        return internalErrors.sum();
    }

    Map<Integer, Long> responses() {
        Map<Integer, Long> m = new TreeMap<>();
        responses.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    Map<String, Long> faults() {
        Map<String, Long> m = new TreeMap<>();
        faults.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    void clear() {
        requests.reset();
        internalErrors.reset();
        responses.clear();
        faults.clear();
    }
}
