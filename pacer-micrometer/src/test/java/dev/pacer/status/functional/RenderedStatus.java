package dev.pacer.status.functional;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The figures the status page shows, read from its rendered DOM (what a person sees, not the JSON). */
public record RenderedStatus(long responses, long rateLimited, long overloaded, int refreshes, Map<String, Pool> pools) {

    /** One pool's card. */
    public record Pool(Map<String, Double> level, Map<String, Double> limit, Map<String, Double> reserved, int waitingNormal,
                int inFlight, long responses, long overloaded) {
    }

    public static RenderedStatus parse(String dom) {
        Map<String, Pool> pools = new HashMap<>();
        Matcher card = Pattern.compile("<section class=\"card pool\" data-pool=\"([^\"]+)\">(.*?)</section>", Pattern.DOTALL).matcher(dom);
        while (card.find()) {
            String body = card.group(2);
            Map<String, Double> level = new HashMap<>();
            Map<String, Double> limit = new HashMap<>();
            Map<String, Double> reserved = new HashMap<>();
            Matcher dim = Pattern.compile("data-dim=\"([^\"]+)\">.*?<span class=\"level\">([^<]*)</span>.*?<span class=\"limit\">([^<]*)</span>"
                    + ".*?<span class=\"reserved\">([^<]*)</span>", Pattern.DOTALL).matcher(body);
            while (dim.find()) {
                level.put(dim.group(1), number(dim.group(2)));
                limit.put(dim.group(1), number(dim.group(3)));
                reserved.put(dim.group(1), number(dim.group(4)));
            }
            String inFlight = field(body, "in-flight");
            pools.put(card.group(1), new Pool(level, limit, reserved, (int) number(field(body, "waiting-normal")),
                    (int) number(inFlight.contains("/") ? inFlight.substring(0, inFlight.indexOf('/')) : inFlight),
                    (long) number(field(body, "pool-responses")), (long) number(field(body, "pool-529"))));
        }
        return new RenderedStatus((long) number(byId(dom, "total-responses")), (long) number(byId(dom, "total-429")),
                (long) number(byId(dom, "total-529")), (int) number(byId(dom, "refreshes")), pools);
    }

    private static String byId(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + id + "\">([^<]*)<").matcher(dom);
        if (!m.find()) {
            throw new AssertionError("The page shows no #" + id + ":\n" + dom);
        }
        return m.group(1);
    }

    private static String field(String body, String cls) {
        Matcher m = Pattern.compile("<b class=\"" + cls + "\">([^<]*)</b>").matcher(body);
        if (!m.find()) {
            throw new AssertionError("The pool card shows no ." + cls + ":\n" + body);
        }
        return m.group(1);
    }

    private static double number(String text) {
        String t = text.replace(",", "").trim();
        if (t.equals("-")) {
            throw new AssertionError("The page shows no figure yet ('-')");
        }
        return Double.parseDouble(t);
    }
}
