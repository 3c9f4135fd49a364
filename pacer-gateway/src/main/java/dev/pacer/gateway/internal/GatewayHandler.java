package dev.pacer.gateway.internal;

import dev.pacer.gateway.internal.ApiErrors.ApiError;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Every exchange enters here, on a virtual thread of its own (a blocking handler), and is routed in
 * order: health, metrics and the status page ({@link StatusHandler}); who the caller is ({@link GatewayKeys}, 401 before anything is read); what it asks
 * ({@link CallHeaders}, 400 for a bad {@code x-pacer-*} header); its body under the limit
 * ({@link RequestBody}, 413 without reading it whole); then {@code POST /v1/messages}
 * ({@link MessagesRelay}), the API's other known endpoints ({@link EndpointRelay}), or anything else
 * as it is ({@link PassThrough}). One access line per exchange names the caller by key fingerprint or
 * gateway-key name, never by key.
 */
public final class GatewayHandler extends Handler.Abstract {

    private final AtomicReference<GatewayRuntime> runtime;
    private final HealthHandler health;
    private final StatusHandler status;
    private final ConnectionGuard guard;
    private final MessagesRelay messages;
    private final EndpointRelay endpoints = new EndpointRelay();
    private final PassThrough passThrough;
    private final Consumer<String> log;

    public GatewayHandler(AtomicReference<GatewayRuntime> runtime, HealthHandler health, StatusHandler status, ConnectionGuard guard,
                          SpendLedger spend, PassThrough passThrough, Consumer<String> log) {
        super(Invocable.InvocationType.BLOCKING);
        this.runtime = runtime;
        this.health = health;
        this.status = status;
        this.guard = guard;
        this.messages = new MessagesRelay(spend);
        this.passThrough = passThrough;
        this.log = log;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
        guard.served(connection);
        Exchange exchange = new Exchange(request, response, new Callback() {
            @Override
            public void succeeded() {
                guard.answered(connection); // before the next request on the connection can be read
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        });
        if (health.handle(exchange) || status.handle(exchange)) {
            return true;
        }
        GatewayRuntime rt = runtime.get();
        String who = "-";
        try {
            Map<String, String> headers = exchange.headers();
            GatewayKeys.Caller caller = rt.keys().caller(headers);
            who = caller.key() != null ? "key " + caller.key().name() : "key " + caller.upstreamKey().fingerprint();
            CallHeaders asked = CallHeaders.read(headers, rt.settings().timeouts().defaultDeadline());
            byte[] body = hasBody(exchange.method())
                    ? RequestBody.read(exchange, rt.settings().bodyLimit(), rt.settings().timeouts().body()) : new byte[0];
            route(exchange, rt, caller, asked, body);
        } catch (GatewayKeys.Refused e) {
            exchange.send(e.error());
        } catch (CallHeaders.Invalid e) {
            exchange.send(e.error());
        } catch (RequestBody.TooLarge e) {
            exchange.send(ApiErrors.tooLarge(rt.settings().bodyLimit()));
        } catch (IOException e) {
            exchange.fail(e); // the client's body did not arrive (it went away, or too slowly)
        } catch (RuntimeException e) {
            log.accept("pacer gateway: error on " + exchange.method() + " " + exchange.path() + ": " + e.getClass().getSimpleName());
            if (!exchange.isCommitted()) {
                exchange.send(new ApiError(500, "api_error", "The gateway failed on this request; see its log.", Map.of()));
            } else {
                exchange.fail(e);
            }
        }
        log.accept(String.format("%s %s %s %s %.1f ms", exchange.method(), exchange.path(), who, exchange.isCommitted()
                ? Integer.toString(exchange.status()) : "-", (System.nanoTime() - exchange.arrivedNanos()) / 1e6));
        return true;
    }

    private void route(Exchange exchange, GatewayRuntime rt, GatewayKeys.Caller caller, CallHeaders asked, byte[] body) {
        String path = exchange.path();
        String method = exchange.method();
        if (path.equals("/v1/messages") && method.equals("POST")) {
            messages.handle(exchange, rt, caller, asked, body);
        } else if (known(path) && (method.equals("GET") || method.equals("POST") || method.equals("DELETE"))) {
            endpoints.handle(exchange, rt, caller, asked, body);
        } else {
            passThrough.handle(exchange, rt, caller, asked, body);
        }
    }

    private static boolean known(String path) {
        return path.equals("/v1/messages/count_tokens") || path.equals("/v1/messages/batches") || path.startsWith("/v1/messages/batches/")
                || path.equals("/v1/models") || path.startsWith("/v1/models/");
    }

    private static boolean hasBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }
}
