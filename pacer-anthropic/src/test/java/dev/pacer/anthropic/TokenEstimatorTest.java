package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode params(String text, int maxTokens) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", "claude-sonnet-4-5");
        p.put("max_tokens", maxTokens);
        p.putArray("messages").addObject().put("role", "user").put("content", text);
        return p;
    }

    @Test
    void theInputCorrectionConvergesOnWhatTheProviderCounts() {
        TokenEstimator estimator = TokenEstimator.defaults();
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            ObjectNode p = params("word ".repeat(50 + random.nextInt(500)), 1000);
            TokenEstimator.Estimate e = estimator.estimate("sonnet-4", p);
            long actual = Math.round(e.rawInput() * 1.6); // this provider's tokenizer counts 60% more than the raw model
            estimator.learn("sonnet-4", e, actual, 100, 1000);
        }
        assertThat(estimator.inputCorrection("sonnet-4")).isBetween(1.6, 1.7);
        assertThat(estimator.inputError("sonnet-4")).isLessThan(0.1);
    }

    @Test
    void outputIsReservedFromALearnedQuantileOnceThereAreEnoughSamples() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = params("hello", 1000);
        assertThat(estimator.estimate("haiku-4-5", p).outputTokens()).isEqualTo(1000);
        Random random = new Random(5);
        for (int i = 0; i < 200; i++) {
            TokenEstimator.Estimate e = estimator.estimate("haiku-4-5", p);
            estimator.learn("haiku-4-5", e, 10, 100 + random.nextInt(201), 1000); // 10% to 30% of max_tokens
        }
        assertThat(estimator.estimate("haiku-4-5", p).outputTokens()).isBetween(280L, 300L);
        TokenEstimator reserveMax = new TokenEstimator(TokenEstimator.OutputMode.MAX_TOKENS, 0.95);
        assertThat(reserveMax.estimate("haiku-4-5", p).outputTokens()).isEqualTo(1000);
    }

    @Test
    void theCharacterModelTellsProseCodeAndWideScriptsApart() {
        double prose = TokenEstimator.text("The quick brown fox jumps over the lazy dog near the river bank");
        double code = TokenEstimator.text("for(i=0;i<n;i++){a[i]=b[i]*c[i];}");
        double cjk = TokenEstimator.text("速率限制");
        assertThat(prose).isBetween(12.0, 16.0);
        assertThat(code).isGreaterThan(10.0);
        assertThat(cjk).isEqualTo(4.0);
    }

    /** A request with {@code proseWords} words of prose and {@code codeLines} lines of code in one message. */
    private static ObjectNode mixed(int proseWords, int codeLines) {
        return params("lorem ipsum ".repeat(proseWords / 2) + "x[i]=y[i]*2;{};\n".repeat(codeLines), 1000);
    }

    /** This provider's tokenizer: prose at 1.3 x the raw character model, code at 2.0 x, framing as is. */
    private static long provider(ObjectNode p) {
        double[] k = TokenEstimator.rawByKind(p);
        return Math.round(1.3 * k[TokenEstimator.ContentKind.PROSE.ordinal()] + 2.0 * k[TokenEstimator.ContentKind.CODE.ordinal()]
                + k[TokenEstimator.ContentKind.FRAMING.ordinal()]);
    }

    @Test
    void theInputIsCalibratedPerContentKindSoProseAndCodeAreBothRight() {
        TokenEstimator estimator = TokenEstimator.defaults();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            // A workload of prose-heavy, code-heavy and mixed requests.
            ObjectNode p = mixed(random.nextInt(400), random.nextInt(3) == 0 ? 0 : random.nextInt(60));
            estimator.learn("sonnet-4", estimator.estimate("sonnet-4", p), provider(p), 100, 1000);
        }
        ObjectNode prose = mixed(600, 0);
        ObjectNode code = mixed(0, 80);
        // One factor per class would settle between 1.3 and 2.0 and miss both by 15% or more.
        assertThat((double) estimator.estimate("sonnet-4", prose).inputTokens() / provider(prose)).isBetween(0.98, 1.08);
        assertThat((double) estimator.estimate("sonnet-4", code).inputTokens() / provider(code)).isBetween(0.98, 1.08);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.PROSE)).isBetween(1.25, 1.4);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.CODE)).isBetween(1.9, 2.1);
        // The error metric says how good the estimates have become, per class.
        assertThat(estimator.inputError("sonnet-4")).isLessThan(0.05);
        assertThat(estimator.modelClasses()).containsExactly("sonnet-4");
    }

    @Test
    void oneAbsurdAnswerCannotMakeEveryLaterEstimateAbsurd() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = params("word ".repeat(200), 1000);
        for (int i = 0; i < 2; i++) { // early on, when each answer still moves the correction a lot
            TokenEstimator.Estimate e = estimator.estimate("haiku-4-5", p);
            estimator.learn("haiku-4-5", e, e.rawInput(), 100, 1000);
        }
        long before = estimator.estimate("haiku-4-5", p).inputTokens();
        estimator.learn("haiku-4-5", estimator.estimate("haiku-4-5", p), 10_000_000, 100, 1000); // a broken usage figure
        assertThat(estimator.estimate("haiku-4-5", p).inputTokens()).isLessThan(before * 2);
    }

    @Test
    void aTextDocumentIsCountedAsItsTextNotAsAnImage() {
        ObjectNode p = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        ObjectNode message = p.putArray("messages").addObject().put("role", "user");
        var content = message.putArray("content");
        content.addObject().put("type", "document").putObject("source").put("type", "text").put("media_type", "text/plain")
                .put("data", "The bucket refills continuously and the reservation is settled afterwards. ".repeat(300));
        content.addObject().put("type", "text").put("text", "Summarize it.");
        // About 22,000 characters of prose: some 4,900 tokens by the character model, where an image-sized guess said 1,600.
        assertThat(TokenEstimator.rawInput(p)).isBetween(4_000L, 6_000L);
        ObjectNode blocks = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        blocks.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "document")
                .putObject("source").put("type", "content").putArray("content").addObject().put("type", "text").put("text", "word ".repeat(900));
        assertThat(TokenEstimator.rawInput(blocks)).isBetween(900L, 1_100L);
    }

    /** A minimal PDF: a page tree, {@code pages} page objects (spelled both ways), a page label, padding to {@code bytes}. */
    private static byte[] pdf(int pages, int bytes) {
        StringBuilder b = new StringBuilder("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /PageLabels 3 0 R >> endobj\n");
        b.append("2 0 obj << /Type /Pages /Count ").append(pages).append(" /Kids [] >> endobj\n");
        b.append("3 0 obj << /Type /PageLabel /S /D >> endobj\n");
        for (int i = 0; i < pages; i++) {
            b.append(i + 4).append(i % 2 == 0 ? " 0 obj << /Type /Page /Parent 2 0 R >> endobj\n" : " 0 obj<</Type/Page/Parent 2 0 R>>endobj\n");
        }
        while (b.length() < bytes) {
            b.append("% padding, as images and fonts would take\n");
        }
        return b.append("%%EOF\n").toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static ObjectNode withPdf(byte[] pdf, String title) {
        ObjectNode p = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        var content = p.putArray("messages").addObject().put("role", "user").putArray("content");
        ObjectNode doc = content.addObject().put("type", "document");
        doc.putObject("source").put("type", "base64").put("media_type", "application/pdf")
                .put("data", java.util.Base64.getMimeEncoder().encodeToString(pdf));
        if (title != null) {
            doc.put("title", title);
        }
        return p;
    }

    @Test
    void aPdfIsCountedByItsPagesNotByItsSize() {
        // Twelve pages in 30 KB: a size-based guess capped at 1,600 tokens; the API reads each page, some 1,500+ tokens each.
        assertThat(TokenEstimator.pdfPages(pdf(12, 30_000))).as("pages, not /Pages nor /PageLabel").isEqualTo(12);
        double[] kinds = TokenEstimator.rawByKind(withPdf(pdf(12, 30_000), null));
        assertThat(kinds[TokenEstimator.ContentKind.DOCUMENT.ordinal()]).isEqualTo(12 * 1_500.0);
        assertThat(kinds[TokenEstimator.ContentKind.MEDIA.ordinal()]).isZero();
        // One page in 2 MB (a scanned page): one page, not 20,000 tokens of size.
        assertThat(TokenEstimator.rawByKind(withPdf(pdf(1, 2_000_000), null))[TokenEstimator.ContentKind.DOCUMENT.ordinal()])
                .isEqualTo(1_500.0);
        // The title the block gives the model is text.
        double[] titled = TokenEstimator.rawByKind(withPdf(pdf(2, 1_000), "The quarterly report on rate limits and retries"));
        assertThat(titled[TokenEstimator.ContentKind.DOCUMENT.ordinal()]).isEqualTo(3_000.0);
        assertThat(titled[TokenEstimator.ContentKind.PROSE.ordinal()]).isBetween(9.0, 12.0);
    }

    @Test
    void pageObjectsInCompressedObjectStreamsAreCountedToo() throws Exception {
        // PDF 1.5 object streams: the page objects are deflated inside "/Type /ObjStm" streams.
        java.io.ByteArrayOutputStream objects = new java.io.ByteArrayOutputStream();
        try (var deflate = new java.util.zip.DeflaterOutputStream(objects)) {
            deflate.write("<< /Type /Pages /Count 3 >> << /Type /Page >> << /Type /Page >> << /Type /Page >>".getBytes());
        }
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.write("%PDF-1.5\n5 0 obj << /Type /ObjStm /N 4 /First 20 /Filter /FlateDecode >>\nstream\r\n".getBytes());
        file.write(objects.toByteArray());
        file.write("\nendstream\nendobj\n%%EOF\n".getBytes());
        assertThat(TokenEstimator.pdfPages(file.toByteArray())).isEqualTo(3);
    }

    @Test
    void aPdfWithoutVisiblePagesOrNotAPdfAtAllNeverFailsTheEstimate() {
        byte[] noise = new byte[350_000];
        new Random(3).nextBytes(noise);
        assertThat(TokenEstimator.pdfPages(noise)).isZero();
        // A page per 100 KB when none can be found.
        assertThat(TokenEstimator.rawByKind(withPdf(noise, null))[TokenEstimator.ContentKind.DOCUMENT.ordinal()]).isEqualTo(3 * 1_500.0);
        ObjectNode broken = withPdf(new byte[0], null);
        ((ObjectNode) broken.path("messages").path(0).path("content").path(0).path("source")).put("data", "not base64 at all!*");
        assertThat(TokenEstimator.rawInput(broken)).isPositive();
        // An image is still estimated by size, as before.
        ObjectNode image = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        image.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "image")
                .putObject("source").put("type", "base64").put("media_type", "image/png")
                .put("data", java.util.Base64.getEncoder().encodeToString(new byte[50_000]));
        assertThat(TokenEstimator.rawByKind(image)[TokenEstimator.ContentKind.MEDIA.ordinal()]).isBetween(499.0, 501.0);
    }

    @Test
    void theDocumentKindIsCalibratedOnItsOwn() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = withPdf(pdf(10, 20_000), null);
        for (int i = 0; i < 30; i++) {
            TokenEstimator.Estimate e = estimator.estimate("sonnet-4", p);
            estimator.learn("sonnet-4", e, 32_000, 100, 100); // this workload's PDFs: about 3,200 tokens a page
        }
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.DOCUMENT)).isBetween(1.9, 2.4);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.PROSE)).as("prose untouched").isBetween(1.1, 1.2);
    }
}
