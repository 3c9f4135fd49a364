package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results file: an append-only log of Message Batches result lines, the only record of what
 * is done. Each line is written with one write call and the file is synced to disk in small
 * groups (every {@code syncEvery} lines, and on {@link #sync()} / {@link #close()}), so a crash
 * — {@code kill -9} included — can lose at most the unsynced tail, which is simply redone.
 *
 * <p>On open, an existing file is read back: every complete line's {@code custom_id} counts as
 * done; a torn last line (a write cut by a crash) is cut off, so the file stays valid JSONL and
 * every {@code custom_id} appears exactly once after a resume. A file with any other line that is
 * not a result line is refused and left untouched: the one file this class may cut is its own.
 *
 * <p>Lines already there can be {@link #reopen reopened} to be answered again ({@code
 * --retry-errored}). A new result for a reopened id replaces its line rather than following it:
 * replacements are gathered and the file is rewritten whole — a copy beside it with the new
 * lines in place of the old, synced, then renamed over it — so at every instant the file on disk
 * is the old one or the new one, each with every {@code custom_id} exactly once. A crash loses
 * only the replacements not yet written, whose old lines are still there. Rewrites come every
 * {@code max(syncEvery, lines / 50)} replacements (and on {@link #sync()}), so retrying a whole
 * file copies it about 50 times, not once per line. Invariant: {@code spans} holds, for every id
 * in the file, the byte range of its line (newline included).
 *
 * <p>Over 400 lines on purpose: appending, reading back and rewriting all move the same channel,
 * {@code spans} and done-set under one lock, and the invariant above is only checkable where all
 * three are in view; a rewriter split off would have to be handed every one of them.
 */
public final class ResultLog implements AutoCloseable {

    private static final String NOT_JSON = "not valid JSON";

    private final Path path;
    private FileChannel channel;
    private final Map<String, String> done;
    /** The {@code error.error.type} of each errored line. */
    private final Map<String, String> errorTypes;
    private final Map<String, long[]> spans;
    private final int syncEvery;
    /** Ids whose line may be replaced once by a new result, and are not done until then. */
    private final java.util.Set<String> reopened = new java.util.HashSet<>();
    /** New lines (and types) for reopened ids, not yet written into the file. */
    private final Map<String, byte[]> replacements = new LinkedHashMap<>();
    private final Map<String, String> replacementTypes = new HashMap<>();
    private final Map<String, String> replacementErrorTypes = new HashMap<>();
    private int unsynced;
    private boolean closed;

    private ResultLog(Path path, FileChannel channel, Lines lines, int syncEvery) {
        this.path = path;
        this.channel = channel;
        this.done = lines.types;
        this.errorTypes = lines.errorTypes;
        this.spans = lines.spans;
        this.syncEvery = syncEvery;
    }

    /** What a results file holds, line by line. */
    private static final class Lines {
        final Map<String, String> types = new LinkedHashMap<>();
        final Map<String, String> errorTypes = new HashMap<>();
        final Map<String, long[]> spans = new HashMap<>();
    }

    /**
     * Opens (creating it if needed) and reads back what is already done.
     *
     * @throws BatchException when the file holds anything but result lines (the input file given
     *                        as {@code -o}, say): it is then left exactly as it was
     */
    public static ResultLog open(Path path, int syncEvery) {
        Lines done = new Lines();
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new BatchException("The output directory " + parent + " does not exist; create it or choose another -o path.");
            }
            if (Files.isDirectory(path)) {
                throw new BatchException("The output " + path + " is a directory; give a file name such as " + path.resolve("results.jsonl") + ".");
            }
            // A copy left by a rewrite that a crash interrupted before its rename: the file itself is intact.
            Files.deleteIfExists(rewriteCopy(path));
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                Tail tail = readBack(path, channel, done);
                if (tail.end() < channel.size()) {
                    // Only a line cut short by a crash is dropped: its request simply runs again.
                    channel.truncate(tail.end());
                    channel.force(true);
                }
                channel.position(tail.end());
                if (tail.missingNewline()) {
                    channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
                    channel.force(false);
                    done.spans.values().stream().filter(span -> span[1] == tail.end()).forEach(span -> span[1]++);
                }
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return new ResultLog(path, channel, done, syncEvery);
        } catch (AccessDeniedException e) {
            throw new BatchException("The output file " + path + " cannot be written (permission denied); choose another -o path.");
        } catch (FileSystemException e) {
            throw new BatchException("The output file " + path + " cannot be created or opened ("
                    + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()) + "); choose another -o path.");
        } catch (IOException e) {
            throw new BatchException("The output file " + path + " cannot be opened: " + e.getMessage() + ".");
        }
    }

    /**
     * Reads what a results file holds without changing it (for {@code batch status}); a line cut
     * short by a crash is ignored.
     */
    public static Map<String, String> read(Path path) {
        Lines done = new Lines();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            readBack(path, channel, done);
            return done.types;
        } catch (NoSuchFileException e) {
            throw new BatchException("The results file " + path + " does not exist; give the -o file of a run.");
        } catch (AccessDeniedException e) {
            throw new BatchException("The results file " + path + " cannot be read (permission denied).");
        } catch (IOException e) {
            throw new BatchException("The results file " + path + " cannot be read: " + e.getMessage() + ".");
        }
    }

    /**
     * Where the valid content ends, and whether its last result line lacks its newline.
     *
     * @param end            the offset after the last complete result line
     * @param missingNewline the last result line is complete JSON but was not ended with a newline
     */
    private record Tail(long end, boolean missingNewline) {
    }

    /**
     * Reads complete lines into {@code done}. Every line this class writes ends with a newline and
     * goes out in one write call, so a crash can only leave a partial <em>last</em> line: that one
     * is reported as cut off. Any other line that is not a result line means the file is not ours
     * (or was edited), and nothing is touched.
     */
    private static Tail readBack(Path path, FileChannel channel, Lines done) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return new Tail(0, false);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new BatchException("The results file " + path + " is larger than 2 GB; split the job into several -o files.");
        }
        ByteBuffer all = ByteBuffer.allocate((int) size);
        while (all.hasRemaining() && channel.read(all, all.position()) > 0) {
            // read until full
        }
        byte[] bytes = all.array();
        int n = all.position();
        long validEnd = 0;
        int start = 0;
        int lineNo = 0;
        for (int i = 0; i <= n; i++) {
            boolean endOfLine = i < n && bytes[i] == '\n';
            boolean endOfFile = i == n && start < n;
            if (!endOfLine && !endOfFile) {
                continue;
            }
            lineNo++;
            String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
            String problem = line.isBlank() ? null : record(line, done, start, endOfLine ? i + 1 : i);
            if (endOfFile) {
                if (problem == null) {
                    return new Tail(n, !line.isBlank()); // complete, only its newline is missing: kept
                }
                if (problem.equals(NOT_JSON) && line.startsWith("{\"custom_id\"")) {
                    return new Tail(validEnd, false); // the start of a result line whose write was cut short
                }
            }
            if (problem != null) {
                throw new BatchException(path + " line " + lineNo + " is not a Message Batches result line (" + problem
                        + "); -o must name a results file of 'pacer batch run' (is it the input file?), so choose another -o path.");
            }
            validEnd = i + 1;
            start = i + 1;
        }
        return new Tail(validEnd, false);
    }

    /** Records one result line, at bytes {@code [start, end)}; returns what is wrong with it, or null. */
    private static String record(String line, Lines done, long start, long end) {
        JsonNode node;
        try {
            node = BatchInput.JSON.readTree(line);
        } catch (IOException e) {
            return NOT_JSON;
        }
        if (node == null || !node.isObject()) {
            return "not a JSON object";
        }
        String id = node.path("custom_id").isTextual() ? node.path("custom_id").asText() : null;
        String type = node.path("result").path("type").isTextual() ? node.path("result").path("type").asText() : null;
        if (id == null) {
            return "no custom_id";
        }
        if (type == null) {
            return node.has("params") ? "it is a request line, with params and no result" : "no result.type";
        }
        done.types.put(id, type);
        done.spans.put(id, new long[] {start, end});
        if (type.equals("errored")) {
            JsonNode errorType = node.path("result").path("error").path("error").path("type");
            if (errorType.isTextual()) {
                done.errorTypes.put(id, errorType.asText());
            }
        }
        return null;
    }

    /** The ids already in the file, with their result types (a reopened id keeps its old type until replaced). */
    public Map<String, String> done() {
        synchronized (this) {
            return new HashMap<>(done);
        }
    }

    /** True when {@code customId} is recorded and not {@link #reopen reopened}. */
    public synchronized boolean isDone(String customId) {
        return done.containsKey(customId) && !reopened.contains(customId);
    }

    /** The {@code error.error.type} of an errored line ({@code overloaded_error}, ...), or null. */
    public synchronized String errorType(String customId) {
        return errorTypes.get(customId);
    }

    /** How many ids are recorded and not reopened. */
    public synchronized int finishedCount() {
        return done.size() - reopened.size();
    }

    /** How many reopened ids have no new result yet. */
    public synchronized int reopenedLeft() {
        return reopened.size();
    }

    /**
     * Lets each of {@code customIds} (already in the file) be answered once more: until then it is
     * not {@link #isDone done}, and its next {@link #append} replaces its line.
     */
    public synchronized void reopen(java.util.Collection<String> customIds) {
        for (String id : customIds) {
            if (done.containsKey(id)) {
                reopened.add(id);
            }
        }
    }

    /**
     * Appends one result line, once per {@code custom_id} (a second append of the same id is
     * ignored and returns false); for a {@link #reopen reopened} id, the line replaces the old one.
     */
    public synchronized boolean append(String customId, String type, JsonNode line) {
        if (closed || (done.containsKey(customId) && !reopened.contains(customId))) {
            return false;
        }
        try {
            byte[] bytes = (BatchInput.JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            JsonNode errorType = line.path("result").path("error").path("error").path("type");
            String newErrorType = type.equals("errored") && errorType.isTextual() ? errorType.asText() : null;
            if (reopened.remove(customId)) {
                replacements.put(customId, bytes);
                replacementTypes.put(customId, type);
                replacementErrorTypes.put(customId, newErrorType);
                if (replacements.size() >= Math.max(syncEvery, done.size() / 50)) {
                    rewrite();
                }
                return true;
            }
            long start = channel.position();
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            done.put(customId, type);
            spans.put(customId, new long[] {start, start + bytes.length});
            if (newErrorType != null) {
                errorTypes.put(customId, newErrorType);
            }
            if (++unsynced >= syncEvery) {
                sync();
            }
            return true;
        } catch (IOException e) {
            throw new BatchException("Writing " + path + " failed: " + e.getMessage() + "; results so far are kept, rerun to resume.");
        }
    }

    /** Forces what is written to disk, and writes the replacements gathered so far. */
    public synchronized void sync() {
        if (closed) {
            return;
        }
        try {
            if (unsynced > 0) {
                channel.force(false);
                unsynced = 0;
            }
            if (!replacements.isEmpty()) {
                rewrite();
            }
        } catch (IOException e) {
            throw new BatchException("Syncing " + path + " failed: " + e.getMessage() + ".");
        }
    }

    private static Path rewriteCopy(Path path) {
        return path.resolveSibling(path.getFileName() + ".rewrite.tmp");
    }

    /**
     * Writes the replacements: copies the file beside itself with each replaced line's bytes
     * swapped for its new line, syncs the copy, renames it over the file (atomic: a reader, or the
     * next run after a crash, sees the old file or the new one), syncs the directory, and appends
     * from then on to the new file.
     */
    private void rewrite() throws IOException {
        channel.force(false);
        unsynced = 0;
        List<Map.Entry<String, byte[]>> byOffset = new ArrayList<>(replacements.entrySet());
        byOffset.sort(java.util.Comparator.comparingLong(e -> spans.get(e.getKey())[0]));
        Path copy = rewriteCopy(path);
        long size = channel.size();
        try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long from = 0;
            for (Map.Entry<String, byte[]> e : byOffset) {
                long[] span = spans.get(e.getKey());
                copy(channel, from, span[0], out);
                ByteBuffer line = ByteBuffer.wrap(e.getValue());
                while (line.hasRemaining()) {
                    out.write(line);
                }
                from = span[1];
            }
            copy(channel, from, size, out);
            out.force(true);
        }
        try {
            Files.move(copy, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(copy, path, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory();
        // Every line after a replaced one moved by the difference in length of those before it.
        long[] starts = new long[byOffset.size()];
        long[] shifts = new long[byOffset.size()];
        long shift = 0;
        for (int i = 0; i < byOffset.size(); i++) {
            long[] span = spans.get(byOffset.get(i).getKey());
            starts[i] = span[0];
            shift += byOffset.get(i).getValue().length - (span[1] - span[0]);
            shifts[i] = shift;
        }
        for (Map.Entry<String, long[]> e : spans.entrySet()) {
            long[] span = e.getValue();
            int i = java.util.Arrays.binarySearch(starts, span[0]);
            if (i >= 0) {
                byte[] line = replacements.get(e.getKey());
                long before = i == 0 ? 0 : shifts[i - 1];
                span[0] += before;
                span[1] = span[0] + line.length;
            } else {
                int below = -i - 2; // the last replaced line before this one
                if (below >= 0) {
                    span[0] += shifts[below];
                    span[1] += shifts[below];
                }
            }
        }
        replacementTypes.forEach(done::put);
        replacementErrorTypes.forEach((id, errorType) -> {
            if (errorType == null) {
                errorTypes.remove(id);
            } else {
                errorTypes.put(id, errorType);
            }
        });
        replacements.clear();
        replacementTypes.clear();
        replacementErrorTypes.clear();
        FileChannel old = channel;
        channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channel.position(channel.size());
        old.close();
    }

    private static void copy(FileChannel in, long from, long to, FileChannel out) throws IOException {
        long at = from;
        while (at < to) {
            at += in.transferTo(at, to - at, out);
        }
    }

    /** Makes the rename itself durable (where the platform lets a directory be synced). */
    private void syncDirectory() {
        Path dir = path.toAbsolutePath().getParent();
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException notOnThisPlatform) {
            // the rename is atomic; only its durability across a power cut waits for the OS
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        sync();
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to save
        }
    }

    /** The file. */
    public Path path() {
        return path;
    }
}
