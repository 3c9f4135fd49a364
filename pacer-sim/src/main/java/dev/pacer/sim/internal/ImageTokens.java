package dev.pacer.sim.internal;

import java.util.Base64;

/**
 * What an image costs, by the API's published rule: about {@code width × height / 750} tokens after
 * the image is scaled to fit 1,568 pixels on its long edge and about 1.15 megapixels. The size is
 * read from the header of a base64 PNG, GIF, JPEG or WebP; anything else (or an image by URL,
 * which the simulator does not fetch) is charged by a byte rule.
 */
final class ImageTokens {

    static final int BY_URL = 1_200;
    private static final double MAX_EDGE = 1_568;
    private static final double MAX_PIXELS = 1_150_000;

    private ImageTokens() {
    }

    /** Tokens for a base64 image (the {@code data} of a {@code source} of type {@code base64}). */
    static int ofBase64(String data) {
        byte[] head = decodeHead(data, 96 * 1024);
        int[] size = size(head);
        if (size == null) {
            long bytes = data.length() * 3L / 4;
            return (int) Math.max(85, Math.min(1_600, bytes / 100));
        }
        return ofPixels(size[0], size[1]);
    }

    static int ofPixels(int width, int height) {
        double w = width;
        double h = height;
        double edge = Math.max(w, h);
        if (edge > MAX_EDGE) {
            w = w * MAX_EDGE / edge;
            h = h * MAX_EDGE / edge;
        }
        if (w * h > MAX_PIXELS) {
            double f = Math.sqrt(MAX_PIXELS / (w * h));
            w *= f;
            h *= f;
        }
        return (int) Math.max(1, Math.ceil(w * h / 750));
    }

    private static byte[] decodeHead(String data, int maxBytes) {
        int chars = Math.min(data.length(), maxBytes / 3 * 4);
        chars -= chars % 4;
        try {
            return Base64.getMimeDecoder().decode(data.substring(0, chars));
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** {width, height}, or null when the format is not recognised. */
    static int[] size(byte[] b) {
        if (b.length >= 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return new int[] {be32(b, 16), be32(b, 20)};
        }
        if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return new int[] {le16(b, 6), le16(b, 8)};
        }
        if (b.length >= 4 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
            return jpeg(b);
        }
        if (b.length >= 30 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E') {
            return webp(b);
        }
        return null;
    }

    private static int[] jpeg(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return null;
            }
            int marker = b[i + 1] & 0xff;
            int length = be16(b, i + 2);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                return new int[] {be16(b, i + 7), be16(b, i + 5)};
            }
            i += 2 + length;
        }
        return null;
    }

    private static int[] webp(byte[] b) {
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8X" -> new int[] {1 + le24(b, 24), 1 + le24(b, 27)};
            case "VP8 " -> new int[] {le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
            case "VP8L" -> {
                int bits = (b[21] & 0xff) | (b[22] & 0xff) << 8 | (b[23] & 0xff) << 16 | (b[24] & 0xff) << 24;
                yield new int[] {1 + (bits & 0x3FFF), 1 + ((bits >>> 14) & 0x3FFF)};
            }
            default -> null;
        };
    }

    private static int be32(byte[] b, int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    private static int be16(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    private static int le24(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16;
    }
}
