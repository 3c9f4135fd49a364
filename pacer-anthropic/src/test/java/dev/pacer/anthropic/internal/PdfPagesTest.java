package dev.pacer.anthropic.internal;

import static dev.pacer.anthropic.internal.EstimatorFixtures.pdf;
import static dev.pacer.anthropic.internal.EstimatorFixtures.withPdf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.TokenEstimator;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PdfPagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPdfIsCountedByItsPagesNotByItsSize() {
        // Twelve pages in 30 KB: a size-based guess capped at 1,600 tokens; the API reads each page, some 1,500+ tokens each.
        assertThat(PdfPages.count(pdf(12, 30_000))).as("pages, not /Pages nor /PageLabel").isEqualTo(12);
        double[] kinds = CharacterModel.rawByKind(withPdf(pdf(12, 30_000), null));
        assertThat(kinds[TokenEstimator.ContentKind.DOCUMENT.ordinal()]).isEqualTo(12 * 1_500.0);
        assertThat(kinds[TokenEstimator.ContentKind.MEDIA.ordinal()]).isZero();
        // One page in 2 MB (a scanned page): one page, not 20,000 tokens of size.
        assertThat(CharacterModel.rawByKind(withPdf(pdf(1, 2_000_000), null))[TokenEstimator.ContentKind.DOCUMENT.ordinal()])
                .isEqualTo(1_500.0);
        // The title the block gives the model is text.
        double[] titled = CharacterModel.rawByKind(withPdf(pdf(2, 1_000), "The quarterly report on rate limits and retries"));
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
        assertThat(PdfPages.count(file.toByteArray())).isEqualTo(3);
    }

    @Test
    void aPdfWithoutVisiblePagesOrNotAPdfAtAllNeverFailsTheEstimate() {
        byte[] noise = new byte[350_000];
        new Random(3).nextBytes(noise);
        assertThat(PdfPages.count(noise)).isZero();
        // A page per 100 KB when none can be found.
        assertThat(CharacterModel.rawByKind(withPdf(noise, null))[TokenEstimator.ContentKind.DOCUMENT.ordinal()]).isEqualTo(3 * 1_500.0);
        ObjectNode broken = withPdf(new byte[0], null);
        ((ObjectNode) broken.path("messages").path(0).path("content").path(0).path("source")).put("data", "not base64 at all!*");
        assertThat(CharacterModel.rawInput(broken)).isPositive();
        // An image is still estimated by size, as before.
        ObjectNode image = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        image.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "image")
                .putObject("source").put("type", "base64").put("media_type", "image/png")
                .put("data", java.util.Base64.getEncoder().encodeToString(new byte[50_000]));
        assertThat(CharacterModel.rawByKind(image)[TokenEstimator.ContentKind.MEDIA.ordinal()]).isBetween(499.0, 501.0);
    }

}
