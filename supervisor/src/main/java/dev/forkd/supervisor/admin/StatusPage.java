package dev.forkd.supervisor.admin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GET / on the admin endpoint: one self-contained HTML page (the status-page.* resources) that
 * draws /status and polls it. The stylesheet and script are inlined into the page and allowed by
 * their SHA-256 in a strict Content-Security-Policy, computed here from the very text served, so
 * that no hash is pasted by hand and an edited script cannot be served with a stale one. The page
 * is the same bytes for everyone: it holds no token, no state and nothing from the request.
 */
final class StatusPage {
    static final String CONTENT_TYPE = "text/html; charset=utf-8";
    private static final String STYLE_MARK = "@STYLE@";
    private static final String SCRIPT_MARK = "@SCRIPT@";

    private final byte[] html;
    private final Map<String, String> headers;

    private StatusPage(String html, String policy) {
        this.html = html.getBytes(StandardCharsets.UTF_8);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Security-Policy", policy);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put("Cache-Control", "no-store");
        // for browsers older than frame-ancestors
        h.put("X-Frame-Options", "DENY");
        h.put("Cross-Origin-Resource-Policy", "same-origin");
        h.put("Cross-Origin-Opener-Policy", "same-origin");
        this.headers = Map.copyOf(h);
    }

    /** The page from this class's resources; fails if one is missing or would break out of its element. */
    static StatusPage load() {
        return of(resource("status-page.html"), resource("status-page.css"), resource("status-page.js"));
    }

    /**
     * {@code template} with {@code css} and {@code js} put in place of its one {@code @STYLE@} and
     * {@code @SCRIPT@}, each the whole text of its element (the hash covers exactly that text).
     */
    static StatusPage of(String template, String css, String js) {
        if (count(template, "<style") != 1 || count(template, "<script") != 1 || !template.contains("<style>" + STYLE_MARK + "</style>")
                || !template.contains("<script>" + SCRIPT_MARK + "</script>")) {
            throw new IllegalStateException("the status page template must hold <style>@STYLE@</style> and <script>@SCRIPT@</script>, once each");
        }
        // the parser ends the element at the first closing tag, whatever is around it ("<!--" in a script changes where)
        if (css.toLowerCase(java.util.Locale.ROOT).contains("</style") || js.toLowerCase(java.util.Locale.ROOT).contains("</script")
                || js.contains("<!--")) {
            throw new IllegalStateException("the status page's stylesheet or script holds its element's closing tag (or <!--)");
        }
        // a mark inside the other's text would be replaced too, and the hash no longer cover the element
        if (css.contains(SCRIPT_MARK) || css.contains(STYLE_MARK) || js.contains(STYLE_MARK) || js.contains(SCRIPT_MARK)) {
            throw new IllegalStateException("the status page's stylesheet or script holds @STYLE@ or @SCRIPT@");
        }
        String policy = "default-src 'none'; script-src " + hash(js) + "; style-src " + hash(css)
                + "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
                + "; require-trusted-types-for 'script'; trusted-types 'none'";
        return new StatusPage(template.replace(STYLE_MARK, css).replace(SCRIPT_MARK, js), policy);
    }

    AdminResponse response() {
        return new AdminResponse(200, CONTENT_TYPE, html, headers);
    }

    /** The CSP source expression that allows exactly this inline text. */
    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("forkd.jar lacks the status page's " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the status page's " + name, e);
        }
    }
}
