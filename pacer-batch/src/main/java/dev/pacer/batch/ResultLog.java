package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 */
public final class ResultLog implements AutoCloseable {

    private static final String NOT_JSON = "not valid JSON";

    private final Path path;
    private final FileChannel channel;
    private final Map<String, String> done;
    private final int syncEvery;
    private int unsynced;
    private boolean closed;

    private ResultLog(Path path, FileChannel channel, Map<String, String> done, int syncEvery) {
        this.path = path;
        this.channel = channel;
        this.done = done;
        this.syncEvery = syncEvery;
    }

    /**
     * Opens (creating it if needed) and reads back what is already done.
     *
     * @throws BatchException when the file holds anything but result lines (the input file given
     *                        as {@code -o}, say): it is then left exactly as it was
     */
    public static ResultLog open(Path path, int syncEvery) {
        Map<String, String> done = new LinkedHashMap<>();
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new BatchException("The output directory " + parent + " does not exist; create it or choose another -o path.");
            }
            if (Files.isDirectory(path)) {
                throw new BatchException("The output " + path + " is a directory; give a file name such as " + path.resolve("results.jsonl") + ".");
            }
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
        Map<String, String> done = new LinkedHashMap<>();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            readBack(path, channel, done);
            return done;
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
    private static Tail readBack(Path path, FileChannel channel, Map<String, String> done) throws IOException {
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
            String problem = line.isBlank() ? null : record(line, done);
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

    /** Records one result line; returns what is wrong with it, or null. */
    private static String record(String line, Map<String, String> done) {
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
        done.put(id, type);
        return null;
    }

    /** The ids already in the file, with their result types. */
    public Map<String, String> done() {
        synchronized (this) {
            return new HashMap<>(done);
        }
    }

    /** True when {@code customId} is already recorded. */
    public synchronized boolean isDone(String customId) {
        return done.containsKey(customId);
    }

    /**
     * Appends one result line, once per {@code custom_id} (a second append of the same id is
     * ignored and returns false).
     */
    public synchronized boolean append(String customId, String type, JsonNode line) {
        if (closed || done.containsKey(customId)) {
            return false;
        }
        try {
            byte[] bytes = (BatchInput.JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            done.put(customId, type);
            if (++unsynced >= syncEvery) {
                sync();
            }
            return true;
        } catch (IOException e) {
            throw new BatchException("Writing " + path + " failed: " + e.getMessage() + "; results so far are kept, rerun to resume.");
        }
    }

    /** Forces what is written to disk. */
    public synchronized void sync() {
        if (closed || unsynced == 0) {
            return;
        }
        try {
            channel.force(false);
            unsynced = 0;
        } catch (IOException e) {
            throw new BatchException("Syncing " + path + " failed: " + e.getMessage() + ".");
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
