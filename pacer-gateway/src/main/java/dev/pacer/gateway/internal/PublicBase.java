package dev.pacer.gateway.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a client reached the gateway, for the URLs the gateway writes into answers (a batch's
 * {@code results_url}): the configured {@code public-url} when there is one; else, when
 * {@code trust-forwarded-headers} is on, what the proxy in front says, from {@code Forwarded}
 * (RFC 7239, its first element: the proxy nearest the client) or else {@code X-Forwarded-Proto} and
 * {@code X-Forwarded-Host}; else the request's own {@code Host} over plain HTTP. A forwarded value that is
 * not a plain scheme or host name is ignored (it is written into a JSON body).
 */
public final class PublicBase {

    private static final Pattern HOST = Pattern.compile("(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+])(?::[0-9]{1,5})?");

    private PublicBase() {
    }

    /**
     * @param publicUrl the configured URL, or null
     * @param trust     whether forwarded headers are believed
     * @param forwarded the {@code Forwarded} header, or null (likewise the next two)
     * @param hostHeader the request's {@code Host} header, or null
     * @param direct    {@code http://host:port} from the request itself
     */
    public static String of(String publicUrl, boolean trust, String forwarded, String xProto, String xHost, String hostHeader,
                            String direct) {
        if (publicUrl != null) {
            return publicUrl;
        }
        if (!trust) {
            return direct;
        }
        String proto = null;
        String host = null;
        if (forwarded != null) {
            String first = forwarded.split(",", 2)[0];
            for (String pair : first.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    String name = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                    String value = unquote(pair.substring(eq + 1).trim());
                    if (name.equals("proto")) {
                        proto = value;
                    } else if (name.equals("host")) {
                        host = value;
                    }
                }
            }
        } else {
            proto = xProto == null ? null : xProto.split(",", 2)[0].trim();
            host = xHost == null ? null : xHost.split(",", 2)[0].trim();
        }
        proto = proto == null ? null : proto.toLowerCase(Locale.ROOT);
        boolean protoOk = "http".equals(proto) || "https".equals(proto);
        boolean hostOk = host != null && HOST.matcher(host).matches();
        if (!protoOk && !hostOk) {
            return direct;
        }
        if (hostOk) {
            return (protoOk ? proto : "http") + "://" + host;
        }
        // only the scheme was forwarded: the Host header as the proxy sent it on
        String own = hostHeader != null && HOST.matcher(hostHeader.trim()).matches() ? hostHeader.trim()
                : direct.substring(direct.indexOf("://") + 3);
        return proto + "://" + own;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
