package dev.pacer.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.concurrent.TimeUnit;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * One Lettuce connection (standalone or cluster) and the store's scripts on it. Commands are
 * pipelined on the one connection, in the order they are issued, so an asynchronous settle is seen by
 * the reserve that follows it. A script is called by {@code EVALSHA}; on {@code NOSCRIPT} (a restarted
 * server, a new cluster node) it is sent whole once by {@code EVAL}, which loads it again.
 */
public final class RedisLink implements AutoCloseable {

    /** The operations, each a function of the one script: {@code common.lua}, then every operation's file. */
    public enum Script {
        RESERVE, ESTIMATE, SENT, SETTLE, CALIBRATE, LIMIT, PAUSE, VIEW, HEARTBEAT, REJOIN;

        final String op = name().toLowerCase(java.util.Locale.ROOT);

        String resource() {
            return op + ".lua";
        }
    }

    private final AutoCloseable client;
    private final AutoCloseable connection;
    private final RedisScriptingAsyncCommands<String, String> commands;
    private final Supplier<CompletableFuture<String>> ping;
    private final String source;
    private final String sha;
    private final String printable;
    private final java.util.concurrent.atomic.LongAdder sent = new java.util.concurrent.atomic.LongAdder();
    /** The one thread on which script replies reach listeners: never Lettuce's I/O thread, which a listener calling back would block. */
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pacer-redis-events");
        t.setDaemon(true);
        return t;
    });

    private RedisLink(AutoCloseable client, AutoCloseable connection, RedisScriptingAsyncCommands<String, String> commands,
                      Supplier<CompletableFuture<String>> ping, String printable) {
        this.client = client;
        this.connection = connection;
        this.commands = commands;
        this.ping = ping;
        this.printable = printable;
        StringBuilder text = new StringBuilder(read("common.lua")).append("\nlocal OPS = {}\n");
        for (Script s : Script.values()) {
            text.append("OPS['").append(s.op).append("'] = function()\n").append(read(s.resource())).append("\nend\n");
        }
        text.append("return OPS[OP]()\n");
        this.source = text.toString();
        this.sha = sha1(source);
    }

    /**
     * Loads the script now, so that {@code NOSCRIPT} is met only after the server forgot it (a restart,
     * a flush, a failover). The retry by {@code EVAL} is sent when the refusal arrives; commands sent
     * before that were refused too (one script: loaded for all operations or for none) and are retried
     * in the order of their refusals, which is the order they were sent; only a command issued while
     * those retries are being sent can pass one of them, and only right after the server forgot it.
     */
    private void load(Duration timeout) {
        try {
            commands.scriptLoad(source).toCompletableFuture().get(timeout.toMillis() * 4, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            close();
            throw new IllegalStateException("Redis at " + printable + " did not load Pacer's scripts (" + describe(e)
                    + "): Redis 7 or later with scripting enabled is needed.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("Interrupted while loading Pacer's scripts into Redis at " + printable + ".");
        }
    }

    /** The link {@code connect} makes, its scripts loaded; on a failure the client is shut down and the failure thrown. */
    private static RedisLink opened(Runnable shutdown, Supplier<RedisLink> connect, Duration timeout) {
        try {
            RedisLink link = connect.get();
            link.load(timeout);
            return link;
        } catch (RuntimeException e) {
            shutdown.run();
            throw e;
        }
    }

    /**
     * Connects to {@code uri}.
     *
     * @throws IllegalStateException when Redis cannot be reached (one sentence, password hidden)
     */
    public static RedisLink connect(String uri, boolean cluster, Duration timeout) {
        RedisURI parsed = RedisUris.parse(uri);
        parsed.setTimeout(timeout);
        String printable = RedisUris.redact(uri);
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        // Reconnect soon after an outage (Lettuce's default backs off to 30 s): the breaker's probe needs a connection.
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        try {
            if (cluster) {
                RedisClusterClient client = RedisClusterClient.create(resources, parsed);
                client.setOptions(ClusterClientOptions.builder()
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(timeouts).build());
                return opened(() -> shutdown(client::shutdown, resources), () -> {
                    StatefulRedisClusterConnection<String, String> c = client.connect();
                    return new RedisLink(() -> shutdown(client::shutdown, resources), c, c.async(),
                            () -> c.async().ping().toCompletableFuture(), printable);
                }, timeout);
            }
            RedisClient client = RedisClient.create(resources, parsed);
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts).build());
            return opened(() -> shutdown(client::shutdown, resources), () -> {
                StatefulRedisConnection<String, String> c = client.connect();
                return new RedisLink(() -> shutdown(client::shutdown, resources), c, c.async(),
                        () -> c.async().ping().toCompletableFuture(), printable);
            }, timeout);
        } catch (io.lettuce.core.RedisException e) {
            throw new IllegalStateException("Redis at " + printable + " cannot be reached (" + describe(e)
                    + "): start it, or check the host, port, password and --redis URI.");
        }
    }

    /**
     * Runs {@code script}; {@code args[0]} is "now" (empty: the server's clock), to which the operation's
     * name is prefixed. The future fails when Redis does not answer within the timeout.
     */
    public CompletableFuture<List<Object>> call(Script script, String[] keys, String... args) {
        sent.increment();
        String[] argv = args.clone();
        argv[0] = script.op + ":" + args[0];
        CompletableFuture<List<Object>> first;
        try {
            first = commands.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, argv).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a closed client throws instead of failing the future
        }
        return first.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException || String.valueOf(cause.getMessage()).startsWith("NOSCRIPT")) {
                sent.increment();
                return commands.<List<Object>>eval(source, ScriptOutputType.MULTI, keys, argv).toCompletableFuture();
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** A {@code PING}. */
    public CompletableFuture<String> ping() {
        try {
            return ping.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Commands sent (script calls and their reloads), for round-trip counts. */
    public long sent() {
        return sent.sum();
    }

    /** Where replies are handed to listeners. */
    public Executor events() {
        return events;
    }

    /** The URI without its password. */
    public String printable() {
        return printable;
    }

    /** A short reason for a failure, never carrying the URI's password (Lettuce's messages name only host and port). */
    public static String describe(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName();
        }
        return message.replaceAll("[\\p{Cntrl}]", " ");
    }

    @Override
    public void close() {
        events.shutdown();
        try {
            connection.close();
        } catch (Exception ignored) {
            // closing anyway
        }
        try {
            client.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    private static void shutdown(Runnable client, ClientResources resources) {
        client.run();
        resources.shutdown();
    }

    private static String read(String name) {
        try (InputStream in = RedisLink.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("The script " + name + " is missing from pacer-redis.");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
