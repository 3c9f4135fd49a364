package dev.pacer.batch;

/**
 * One share of an input file for one of several {@code pacer batch run} processes ({@code --shard i/n}): the
 * lines whose number {@code l} has {@code (l - 1) mod n == i - 1}. The shards of a file are disjoint and together
 * hold every line, so {@code n} processes, each with its own results file, answer every request exactly once
 * between them; each resumes on its own, and the shard is kept in its results file's state, so a resume cannot
 * take another share by mistake. Sharing the quota is the store's work ({@code --redis}), not the shard's.
 *
 * @param index this process's share, from 1
 * @param count how many shares the file is cut into
 */
public record Shard(int index, int count) {

    /** The whole file. */
    public static final Shard ALL = new Shard(1, 1);

    public Shard {
        if (count < 1 || count > 10_000 || index < 1 || index > count) {
            throw new BatchException("--shard must be i/n with n from 1 to 10000 and i from 1 to n, like 2/4; not " + index + "/" + count + ".");
        }
    }

    /** {@code i/n} as given to {@code --shard}. */
    public static Shard parse(String text) {
        String t = text == null ? "" : text.trim();
        int slash = t.indexOf('/');
        try {
            if (slash > 0) {
                return new Shard(Integer.parseInt(t.substring(0, slash).trim()), Integer.parseInt(t.substring(slash + 1).trim()));
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BatchException("--shard must be i/n, this process's share and how many there are, like 2/4; not '" + t + "'.");
    }

    /** Whether the input line numbered {@code line} (from 1) is this shard's. */
    public boolean takes(int line) {
        return (line - 1) % count == index - 1;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
