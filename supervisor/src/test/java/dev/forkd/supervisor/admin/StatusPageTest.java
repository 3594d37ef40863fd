package dev.forkd.supervisor.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** GET /'s page: its headers on the wire, a policy that allows exactly the inline text served, and nothing that holds or asks for the token. */
class StatusPageTest {
    private static final StatusPage PAGE = StatusPage.load();

    /** The page answered through the admin connection's real pipeline; status line and headers (names in lower case), then the body. */
    private static Map<String, String> served(StringBuilder body) {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                AdminHttpServer.pipeline(c, new AdminConnections(4), 5000, TimeUnit.MILLISECONDS, Runnable::run, r -> PAGE.response());
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: 127.0.0.1:9901\r\n\r\n", StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        StringBuilder out = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        String all = out.toString();
        int end = all.indexOf("\r\n\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = all.substring(0, end).split("\r\n");
        headers.put(":status", lines[0]);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        body.append(all.substring(end + 4));
        return headers;
    }

    @Test
    void theHeadersAskTheBrowserForTheStrictestHandling() {
        StringBuilder body = new StringBuilder();
        Map<String, String> h = served(body);
        assertEquals("HTTP/1.1 200 OK", h.get(":status"));
        assertEquals("text/html; charset=utf-8", h.get("content-type"));
        assertEquals(Integer.toString(body.toString().getBytes(StandardCharsets.UTF_8).length), h.get("content-length"));
        assertEquals("nosniff", h.get("x-content-type-options"));
        assertEquals("no-referrer", h.get("referrer-policy"));
        assertEquals("no-store", h.get("cache-control"));
        assertEquals("DENY", h.get("x-frame-options"));
        String csp = h.get("content-security-policy");
        for (String directive : List.of("default-src 'none'", "connect-src 'self'", "img-src data:", "base-uri 'none'", "form-action 'none'",
                "frame-ancestors 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'")) {
            assertTrue(csp.contains(directive), directive + " in " + csp);
        }
        assertFalse(csp.contains("unsafe"), csp);
        assertFalse(csp.contains("http"), "no host is allowed: " + csp);
    }

    @Test
    void thePolicyAllowsExactlyTheInlineStyleAndScriptServed() throws Exception {
        StringBuilder body = new StringBuilder();
        String csp = served(body).get("content-security-policy");
        String html = body.toString();
        assertEquals(List.of(sha256(only(html, "style"))), sources(csp, "style-src"));
        assertEquals(List.of(sha256(only(html, "script"))), sources(csp, "script-src"));
        // and the inline text is the resources' own, so that an edit of either is what gets hashed
        assertEquals(resource("status-page.css"), only(html, "style"));
        assertEquals(resource("status-page.js"), only(html, "script"));
    }

    @Test
    void theHashIsTheBase64OfTheUtf8TextsSha256() throws Exception {
        // the digest computed here the long way, over UTF-8 (CSP hashes the element's text as UTF-8)
        String text = "body { color: red; } /* \u00e9 */";
        assertEquals(sha256(text), StatusPage.hash(text));
        StatusPage p = StatusPage.of("<html><style>@STYLE@</style><script>@SCRIPT@</script></html>", text, "let a = 1;");
        AdminResponse r = p.response();
        assertEquals("<html><style>" + text + "</style><script>let a = 1;</script></html>", new String(r.body(), StandardCharsets.UTF_8));
        assertTrue(r.headers().get("Content-Security-Policy").contains("style-src " + sha256(text) + ";"));
        assertTrue(r.headers().get("Content-Security-Policy").contains("script-src " + sha256("let a = 1;") + ";"));
    }

    @Test
    void thePageHoldsNoTokenAndAsksForNone() {
        String html = new String(PAGE.response().body(), StandardCharsets.UTF_8);
        String lower = html.toLowerCase(Locale.ROOT);
        for (String absent : List.of("authorization", "bearer", "<form", "<input", "localstorage", "sessionstorage", "document.cookie",
                "method:", "'post'", "\"post\"")) {
            assertFalse(lower.contains(absent), absent);
        }
        // the script's only request: GET /status
        Matcher fetches = Pattern.compile("fetch\\(([^,)]*)").matcher(only(html, "script"));
        List<String> targets = new java.util.ArrayList<>();
        while (fetches.find()) {
            targets.add(fetches.group(1));
        }
        assertEquals(List.of("'/status'"), targets);
        // the same bytes every time: nothing of the request, the run or the token is put in
        assertArrayEquals(PAGE.response().body(), StatusPage.load().response().body());
    }

    @Test
    void theScriptWritesNoMarkup() {
        String js = only(new String(PAGE.response().body(), StandardCharsets.UTF_8), "script");
        for (String sink : List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "srcdoc",
                "createContextualFragment", "DOMParser")) {
            assertFalse(js.contains(sink), sink);
        }
        assertTrue(js.contains("textContent"));
    }

    @Test
    void aTemplateWithoutItsMarksOrTextThatWouldEndItsElementIsRefused() {
        String ok = "<style>@STYLE@</style><script>@SCRIPT@</script>";
        assertThrows(IllegalStateException.class, () -> StatusPage.of("<style></style><script>@SCRIPT@</script>", "", ""));
        assertThrows(IllegalStateException.class, () -> StatusPage.of("<style>@STYLE@</style>", "", ""));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok + "<script>x()</script>", "", ""));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok, "a{} </STYLE><script>", ""));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok, "", "x = '</script><b>';"));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok, "", "x = '<!--';"));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok, "/* @SCRIPT@ */", "x = 1;"));
        assertThrows(IllegalStateException.class, () -> StatusPage.of(ok, "", "x = '@STYLE@';"));
    }

    /** The text of the one element {@code tag}. */
    private static String only(String html, String tag) {
        int start = html.indexOf("<" + tag + ">");
        assertTrue(start >= 0 && html.indexOf("<" + tag, start + 1) < 0, "one <" + tag + ">");
        return html.substring(start + tag.length() + 2, html.indexOf("</" + tag + ">", start));
    }

    private static List<String> sources(String csp, String directive) {
        for (String d : csp.split(";")) {
            String[] words = d.trim().split("\\s+");
            if (words[0].equals(directive)) {
                return List.of(words).subList(1, words.length);
            }
        }
        return List.of();
    }

    private static String sha256(String text) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return "'sha256-" + Base64.getEncoder().encodeToString(d) + "'";
    }

    private static String resource(String name) {
        try (var in = StatusPage.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
