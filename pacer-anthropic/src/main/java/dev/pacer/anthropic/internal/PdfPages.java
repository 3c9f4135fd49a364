package dev.pacer.anthropic.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The input of an inline PDF, by its pages. The API reads each page twice, as an image and as its
 * extracted text (the PDF-support docs: 1,500 to 3,000 text tokens a page by density, plus the page
 * image); {@link #TOKENS_PER_PAGE} is the low end of the text alone, and the {@code DOCUMENT} kind's
 * learned correction takes it to what a workload's PDFs really cost. Pages are found by their page
 * objects, in the clear or inside deflated object streams, with the inflation bounded so a hostile
 * file cannot blow up memory. Stateless.
 */
public final class PdfPages {

    /** The tokens of one PDF page before calibration. */
    public static final double TOKENS_PER_PAGE = 1_500;

    /** When no page object can be found (a broken file): about a page per 100 KB, at least one. */
    private static final int BYTES_PER_UNFOUND_PAGE = 100_000;

    private static final byte[] TYPE = "/Type".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAGE = "/Page".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OBJECT_STREAM = "/ObjStm".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STREAM = "stream".getBytes(StandardCharsets.US_ASCII);
    /** The most inflated per object stream: page objects are small. */
    private static final int MAX_INFLATED = 8 << 20;
    /** The most inflated per PDF, all its object streams together. */
    private static final long MAX_INFLATED_TOTAL = 64 << 20;

    private PdfPages() {
    }

    /** The uncorrected tokens of a base64 PDF: its pages x {@link #TOKENS_PER_PAGE}. */
    public static double tokens(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            return TOKENS_PER_PAGE; // the API will refuse it; a page is as good a guess as any
        }
        int pages = count(bytes);
        if (pages == 0) {
            pages = Math.max(1, bytes.length / BYTES_PER_UNFOUND_PAGE);
        }
        return pages * TOKENS_PER_PAGE;
    }

    /**
     * The pages of a PDF: its page objects, {@code /Type /Page} (whitespace optional, and not
     * {@code /Pages}, the page tree, nor {@code /PageLabel}). A PDF 1.5 file may keep them inside
     * compressed object streams ({@code /Type /ObjStm}); when none is found in the clear, those
     * streams are inflated and counted too.
     */
    public static int count(byte[] pdf) {
        int pages = countPageObjects(pdf, pdf.length);
        if (pages > 0) {
            return pages;
        }
        long inflated = 0;
        for (int at = indexOf(pdf, OBJECT_STREAM, 0); at >= 0 && inflated < MAX_INFLATED_TOTAL;
             at = indexOf(pdf, OBJECT_STREAM, at + 1)) {
            int stream = indexOf(pdf, STREAM, at);
            if (stream < 0) {
                break;
            }
            int start = stream + STREAM.length;
            if (start < pdf.length && pdf[start] == '\r') {
                start++;
            }
            if (start < pdf.length && pdf[start] == '\n') {
                start++;
            }
            byte[] objects = inflate(pdf, start);
            inflated += objects.length;
            pages += countPageObjects(objects, -1);
        }
        return pages;
    }

    /** {@code /Type /Page} occurrences in {@code data[0, length)} ({@code length} -1: all of it). */
    private static int countPageObjects(byte[] data, int length) {
        int end = length < 0 ? data.length : length;
        int count = 0;
        for (int at = indexOf(data, TYPE, 0); at >= 0 && at < end; at = indexOf(data, TYPE, at + TYPE.length)) {
            int i = at + TYPE.length;
            while (i < end && isWhitespace(data[i])) {
                i++;
            }
            if (i + PAGE.length <= end && regionMatches(data, i, PAGE) && (i + PAGE.length == end || isDelimiter(data[i + PAGE.length]))) {
                count++;
            }
        }
        return count;
    }

    private static byte[] inflate(byte[] data, int from) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data, from, data.length - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished() && out.size() < MAX_INFLATED) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException notFlate) {
            return new byte[0];
        } finally {
            inflater.end();
        }
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\f' || b == 0;
    }

    private static boolean isDelimiter(byte b) {
        return isWhitespace(b) || b == '/' || b == '>' || b == '<' || b == '[' || b == ']' || b == '(' || b == ')' || b == '{'
                || b == '}' || b == '%';
    }

    private static int indexOf(byte[] data, byte[] what, int from) {
        for (int i = Math.max(0, from); i + what.length <= data.length; i++) {
            if (regionMatches(data, i, what)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionMatches(byte[] data, int at, byte[] what) {
        for (int j = 0; j < what.length; j++) {
            if (data[at + j] != what[j]) {
                return false;
            }
        }
        return true;
    }
}
