package dev.pacer.sim.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Identifiers shaped like the API's: a prefix and 24 base58 characters ({@code req_…}, {@code msg_…}). */
public final class Ids {

    private static final char[] BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();

    private Ids() {
    }

    /** A fresh id: {@code prefix} and 24 random base58 characters. */
    public static String next(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[prefix.length() + 24];
        prefix.getChars(0, prefix.length(), out, 0);
        for (int i = prefix.length(); i < out.length; i++) {
            out[i] = BASE58[random.nextInt(BASE58.length)];
        }
        return new String(out);
    }
}
