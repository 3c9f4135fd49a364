package dev.pacer.gateway.functional;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Keys for tests that look for leaks: made up for each run, so none is committed, and distinctive, so
 * finding any part of one in a log line or a page means it leaked.
 */
final class TestKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TestKeys() {
    }

    /** {@code prefix} followed by 16 random hex digits. */
    static String unique(String prefix) {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }
}
