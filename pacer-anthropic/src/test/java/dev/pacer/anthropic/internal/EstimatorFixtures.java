package dev.pacer.anthropic.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Requests for the estimator's tests: prose in a message, and inline PDFs. */
public final class EstimatorFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EstimatorFixtures() {
    }

    /** A Messages request with {@code text} as its one user message. */
    public static ObjectNode params(String text, int maxTokens) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", "claude-sonnet-4-5");
        p.put("max_tokens", maxTokens);
        p.putArray("messages").addObject().put("role", "user").put("content", text);
        return p;
    }

    /** A minimal PDF: a page tree, {@code pages} page objects (spelled both ways), a page label, padding to {@code bytes}. */
    public static byte[] pdf(int pages, int bytes) {
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

    /** A request with {@code pdf} as an inline document, titled {@code title} (or untitled). */
    public static ObjectNode withPdf(byte[] pdf, String title) {
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
}
