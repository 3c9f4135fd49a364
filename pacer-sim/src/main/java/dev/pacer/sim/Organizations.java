package dev.pacer.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which organization and workspace each API key belongs to ({@code organizations:} in
 * {@code sim.yaml}). The API enforces its rate limits per organization, narrowed per workspace: a
 * request must fit both. Every organization has the limits in force (the tier, {@code classes});
 * a workspace may set lower figures per class and dimension, never on its default workspace. A key
 * listed nowhere is placed by {@code limit-scope}: {@code key} (the default) makes it an
 * organization of its own, {@code organization} puts every such key in one shared organization.
 *
 * @param list the organizations, in the order given
 */
public record Organizations(List<Organization> list) {

    /** No organization configured: every key is placed by {@code limit-scope}. */
    public static final Organizations NONE = new Organizations(List.of());

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public Organizations {
        list = List.copyOf(list);
        Map<String, String> owners = new HashMap<>();
        Set<String> names = new java.util.HashSet<>();
        Set<String> ids = new java.util.HashSet<>();
        for (Organization o : list) {
            if (!names.add(o.name())) {
                throw new IllegalArgumentException("organizations." + o.name() + " is given twice; keep one.");
            }
            if (!ids.add(o.id())) {
                throw new IllegalArgumentException("organizations." + o.name() + ".id '" + o.id()
                        + "' is another organization's too; ids must differ.");
            }
            check(owners, o.keys(), "organizations." + o.name());
            for (Workspace w : o.workspaces().values()) {
                check(owners, w.keys(), "organizations." + o.name() + ".workspaces." + w.name());
            }
        }
    }

    private static void check(Map<String, String> owners, Set<String> keys, String where) {
        for (String k : keys) {
            String had = owners.put(k, where);
            if (had != null) {
                // The key itself must not appear in a message: name it by its fingerprint.
                throw new IllegalArgumentException("The key " + SimStats.keyId(k) + " is listed under " + had + " and under " + where
                        + "; a key belongs to one workspace.");
            }
        }
    }

    /** The organization and workspace of {@code apiKey}, or null when no organization lists it. */
    public Membership of(String apiKey) {
        for (Organization o : list) {
            if (o.keys().contains(apiKey)) {
                return new Membership(o, null);
            }
            for (Workspace w : o.workspaces().values()) {
                if (w.keys().contains(apiKey)) {
                    return new Membership(o, w);
                }
            }
        }
        return null;
    }

    /** Whether any organization lists {@code apiKey}. */
    public boolean lists(String apiKey) {
        return of(apiKey) != null;
    }

    /** The organization named {@code name}, or null. */
    public Organization named(String name) {
        return list.stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Where a key belongs.
     *
     * @param organization its organization
     * @param workspace    its workspace, or null for the organization's default workspace
     */
    public record Membership(Organization organization, Workspace workspace) {
    }

    /**
     * One organization.
     *
     * @param name               its name in {@code sim.yaml} and the statistics ({@code org:<name>})
     * @param id                 what {@code anthropic-organization-id} and the 429 messages say
     * @param defaultWorkspaceId what {@code anthropic-workspace-id} says for its default workspace
     * @param keys               the keys of its default workspace (which has no limits of its own)
     * @param workspaces         its other workspaces, by name
     */
    public record Organization(String name, String id, String defaultWorkspaceId, Set<String> keys, Map<String, Workspace> workspaces) {
        public Organization {
            checkName(name, "organizations");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(defaultWorkspaceId, "default-workspace-id");
            headerValue(id, "organizations." + name + ".id");
            headerValue(defaultWorkspaceId, "organizations." + name + ".default-workspace-id");
            keys = Set.copyOf(keys);
            workspaces = Map.copyOf(new LinkedHashMap<>(workspaces));
            if (workspaces.containsKey("default")) {
                throw new IllegalArgumentException("organizations." + name + ".workspaces.default: the default workspace cannot have limits of"
                        + " its own (as at the API); list its keys under organizations." + name + ".keys.");
            }
        }

        /** An organization whose ids are derived from its name (stable from run to run). */
        public static Organization named(String name, Set<String> keys, Map<String, Workspace> workspaces) {
            return new Organization(name, organizationId(name), workspaceId(name + "/default"), keys, workspaces);
        }
    }

    /**
     * One workspace of an organization, with its own keys and limits narrower than the organization's.
     *
     * @param name     its name ({@code ws:<organization>/<name>} in the statistics)
     * @param id       what {@code anthropic-workspace-id} says
     * @param keys     its keys
     * @param all      figures for every class (0: the organization's)
     * @param perClass figures for one class, over {@code all} (0: {@code all}'s, then the organization's)
     */
    public record Workspace(String name, String id, Set<String> keys, WorkspaceLimits all, Map<String, WorkspaceLimits> perClass) {
        public Workspace {
            checkName(name, "workspaces");
            Objects.requireNonNull(id, "id");
            headerValue(id, "workspaces." + name + ".id");
            Objects.requireNonNull(all, "limits");
            keys = Set.copyOf(keys);
            perClass = Map.copyOf(perClass);
        }

        /** A workspace of {@code organization} whose id is derived from the names. */
        public static Workspace named(String organization, String name, Set<String> keys, WorkspaceLimits all,
                                      Map<String, WorkspaceLimits> perClass) {
            return new Workspace(name, workspaceId(organization + "/" + name), keys, all, perClass);
        }

        /** The workspace's figures on {@code modelClass}: the class's, else those for every class (0: the organization's). */
        public WorkspaceLimits on(String modelClass) {
            WorkspaceLimits c = perClass.get(modelClass);
            return c == null ? all : c.over(all);
        }
    }

    /**
     * A workspace's figures per minute; 0 leaves a dimension at the organization's limit. A figure above
     * the organization's has no effect: the organization's limit still applies.
     */
    public record WorkspaceLimits(long rpm, long itpm, long otpm) {
        public static final WorkspaceLimits NONE = new WorkspaceLimits(0, 0, 0);

        public WorkspaceLimits {
            if (rpm < 0 || itpm < 0 || otpm < 0) {
                throw new IllegalArgumentException("workspace limits must be at least 1 (or left out), not " + rpm + ", " + itpm + ", " + otpm + ".");
            }
        }

        /** Whether any figure is set. */
        public boolean any() {
            return rpm > 0 || itpm > 0 || otpm > 0;
        }

        WorkspaceLimits over(WorkspaceLimits base) {
            return new WorkspaceLimits(rpm > 0 ? rpm : base.rpm, itpm > 0 ? itpm : base.itpm, otpm > 0 ? otpm : base.otpm);
        }
    }

    private static void checkName(String name, String where) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + " names must be 1-64 letters, digits, '.', '_' or '-', not '" + name + "'.");
        }
    }

    private static void headerValue(String value, String where) {
        if (!value.matches("[A-Za-z0-9_.:-]{1,100}")) {
            throw new IllegalArgumentException(where + " must be 1-100 letters, digits, '.', ':', '_' or '-' (it is sent as a header), not '"
                    + value + "'.");
        }
    }

    /** A UUID-shaped organization id derived from {@code seed} (a name, or a key for a key's own organization). */
    public static String organizationId(String seed) {
        String h = HexFormat.of().formatHex(sha256("pacer-sim organization " + seed), 0, 16);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-4" + h.substring(13, 16) + "-a" + h.substring(17, 20) + "-" + h.substring(20, 32);
    }

    /** A workspace id ({@code wrkspc_} and 24 characters) derived from {@code seed}. */
    public static String workspaceId(String seed) {
        String alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        byte[] d = sha256("pacer-sim workspace " + seed);
        StringBuilder b = new StringBuilder("wrkspc_");
        for (int i = 0; i < 24; i++) {
            b.append(alphabet.charAt((d[i] & 0xff) % alphabet.length()));
        }
        return b.toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
