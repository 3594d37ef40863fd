package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint's status page (GET /) in a real browser: headless Chromium, driven over the
 * DevTools protocol, loads it from a running forkd, sees the live workers, and sees a worker killed
 * during the test come back, redrawn in place; with no console error and no CSP violation. The
 * screenshots are kept in target/failsafe-reports. Without chromium the tests skip, except in CI
 * (CI=true), where they fail.
 */
class StatusPageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
    private static final Path REPORTS = Path.of("target", "failsafe-reports");
    /** Notes CSP violations in the page, from before its first script runs (DevTools' own scripts are not subject to the CSP). */
    private static final String WATCH_VIOLATIONS = "window.__violations = [];"
            + "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));";

    @Test
    void thePageShowsTheLiveWorkersAndAKilledOneComingBackWithoutAReload(@TempDir Path tmp) throws Exception {
        Path chromium = Chromium.executableOrSkip();
        try (ForkdProcess forkd = ForkdProcess.serve("status-page", "--workers", "4", "--admin", "127.0.0.1:0")) {
            int port = forkd.port();
            Admin admin = new Admin(forkd);
            JsonNode status = admin.awaitStatus(s -> Admin.countReady(s) == 4, Duration.ofSeconds(60));
            String token = Files.readString(admin.tokenFile(), StandardCharsets.US_ASCII).trim();

            // what is served, before any browser: the headers, a policy that allows exactly the inline text, no token
            HttpResponse<String> page = admin.get("/");
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
            assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
            assertEquals("no-store", page.headers().firstValue("Cache-Control").orElse(""));
            String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(csp.startsWith("default-src 'none'; "), csp);
            assertTrue(csp.contains("script-src " + sha256(element(page.body(), "script")) + ";"), csp);
            assertTrue(csp.contains("style-src " + sha256(element(page.body(), "style")) + ";"), csp);
            assertFalse(page.body().contains(token), "the token is nowhere in the page");
            assertFalse(admin.get("/status").body().contains(token), "nor in what it polls");
            assertEquals(405, admin.post("/").statusCode(), "the page takes GET only");

            // traffic for the counters: three clients served, one held open through the test
            for (int i = 0; i < 3; i++) {
                try (Client c = new Client(port)) {
                    assertEquals("HELLO\n", c.roundTrip("hello\n"));
                }
            }
            List<Chromium> started = new ArrayList<>();
            try (Chromium browser = Chromium.start(chromium, Files.createDirectories(tmp.resolve("profile")), "status-page-chromium");
                    DevTools cdp = DevTools.connect(browser.devtools);
                    Client held = new Client(port)) {
                started.add(browser);
                assertTrue(browser.processes().size() > 3, "a browser, zygotes, renderers: " + browser.processes());
                assertEquals("HELD\n", held.roundTrip("held\n"));
                status = admin.awaitStatus(s -> s.get("connections").get("active").asInt() == 1, Duration.ofSeconds(10));
                String tab = open(cdp);
                cdp.send(tab, "Page.navigate", DevTools.params().put("url", admin.base + "/"));

                // the live worker count, and the very pids /status has
                awaitPage(cdp, tab, "4 ready workers", "document.getElementById('workers-ready').textContent === '4'"
                        + " && document.querySelectorAll('#worker-rows tr.ready').length === 4");
                List<Long> pids = new ArrayList<>();
                status.get("workers").forEach(w -> pids.add(w.get("pid").asLong()));
                assertEquals(pids.stream().sorted().toList(), pagePids(cdp, tab).stream().sorted().toList());
                assertEquals("4", text(cdp, tab, "#target-workers"));
                assertEquals("0", text(cdp, tab, "#restarts-total"));
                assertEquals("no restarts in the last hour", text(cdp, tab, "#chart text.empty"));
                assertTrue(text(cdp, tab, "#worker-rows tr[data-slot='1'] td:nth-child(9)").matches("\\d+\u00a0MiB"), "each worker's RSS");

                // a mark in this document: a reload would wipe it
                evaluate(cdp, tab, "window.__sameDocument = 'still here'");
                // a worker that holds no client: the held one stays up and counted
                JsonNode victim = null;
                for (JsonNode w : status.get("workers")) {
                    if (w.get("activeConnections").asInt() == 0 && victim == null) {
                        victim = w;
                    }
                }
                long killedPid = victim.get("pid").asLong();
                int slot = victim.get("slot").asInt();
                HttpResponse<String> kill = admin.post("/workers/" + victim.get("id").asInt() + "/kill?signal=KILL");
                assertEquals(200, kill.statusCode(), kill.body());

                String row = "document.querySelector(\"#worker-rows tr[data-slot='" + slot + "']\")";
                awaitPage(cdp, tab, "slot " + slot + " restarted after a crash", row + " && " + row + ".dataset.pid !== '" + killedPid + "' && "
                        + row + ".dataset.state === 'ready' && " + row + ".cells[7].textContent === '1 (crash 1)'"
                        + " && document.getElementById('workers-ready').textContent === '4'");
                assertEquals("still here", evaluate(cdp, tab, "window.__sameDocument").asText(), "redrawn in place, not reloaded");
                assertFalse(pagePids(cdp, tab).contains(killedPid));
                assertEquals("1", text(cdp, tab, "#restarts-total"));
                assertEquals("1", text(cdp, tab, "#conn-active"));
                assertEquals("4", text(cdp, tab, "#conn-accepted"));
                assertEquals("crash 1", text(cdp, tab, "#restarts-by-reason"));
                // the chart: one bar, a crash (this minute, unless a slow machine took forkd past its first)
                String bar = text(cdp, tab, "#chart g.minute title");
                assertTrue(bar.matches("(this minute|1 min ago): 1 restart, 1 crash"), bar);
                assertEquals(1, number(cdp, tab, "document.querySelectorAll('#chart g.minute').length"));
                assertEquals(1, number(cdp, tab, "document.querySelectorAll('#chart rect.crash').length"));

                assertNoErrors(cdp, tab);
                screenshot(cdp, tab, REPORTS.resolve("status-page.png"));

                // the watchers see a violation when there is one: the checks above are not blind
                evaluate(cdp, tab, "const i = document.createElement('img'); i.src = 'http://127.0.0.1:9/x.png'; document.body.append(i); 0");
                awaitPage(cdp, tab, "the img-src violation reported", "window.__violations.length >= 1");
                Await.until(Duration.ofSeconds(10), "the refusal in the browser's log", () -> !cdp.events("Log.entryAdded").isEmpty());
                assertTrue(evaluate(cdp, tab, "window.__violations[0]").asText().startsWith("img-src"));
            }
            // closed: not one of its processes left, the crash reporter's detached ones included
            Await.until(Duration.ofSeconds(10), "every chromium process gone", () -> started.get(0).processes().isEmpty());
        }
    }

    /**
     * One worker, as served; then 64 and hostile text (markup in every string /status carries),
     * fed to the page in place of /status by the browser's request interception: one row each, no
     * element made from the data, the text shown as it is, the page no wider than the window.
     */
    @Test
    void thePageIsSaneWithOneWorkerAndWithSixtyFourAndShowsDataOnlyAsText(@TempDir Path tmp) throws Exception {
        Path chromium = Chromium.executableOrSkip();
        try (ForkdProcess forkd = ForkdProcess.serve("status-page-64", "--workers", "1", "--admin", "127.0.0.1:0")) {
            forkd.port();
            Admin admin = new Admin(forkd);
            JsonNode one = admin.awaitStatus(s -> Admin.countReady(s) == 1, Duration.ofSeconds(60));
            try (Chromium browser = Chromium.start(chromium, Files.createDirectories(tmp.resolve("profile")), "status-page-64-chromium");
                    DevTools cdp = DevTools.connect(browser.devtools)) {
                String tab = open(cdp);
                cdp.send(tab, "Page.navigate", DevTools.params().put("url", admin.base + "/"));
                awaitPage(cdp, tab, "1 ready worker", "document.getElementById('workers-ready').textContent === '1'"
                        + " && document.querySelectorAll('#worker-rows tr').length === 1");
                assertEquals(one.get("workers").get(0).get("pid").asLong(), pagePids(cdp, tab).get(0));
                assertFitsTheWindow(cdp, tab);

                String hostile = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>&amp;";
                byte[] sixtyFour = JSON.writeValueAsBytes(sixtyFourWorkers(one, hostile));
                java.util.concurrent.atomic.AtomicInteger answer = new java.util.concurrent.atomic.AtomicInteger(200);
                cdp.on("Fetch.requestPaused", e -> fulfil(cdp, tab, e, answer.get(),
                        answer.get() == 200 ? sixtyFour : "{\"error\":\"unavailable\"}".getBytes(StandardCharsets.UTF_8)));
                ArrayNode patterns = JSON.createArrayNode();
                patterns.addObject().put("urlPattern", "*/status");
                ObjectNode fetch = DevTools.params();
                fetch.set("patterns", patterns);
                cdp.send(tab, "Fetch.enable", fetch);

                awaitPage(cdp, tab, "64 workers", "document.querySelectorAll('#worker-rows tr').length === 64");
                assertEquals("60", text(cdp, tab, "#workers-ready"));
                assertEquals("2 starting, 1 draining, 1 " + hostile, text(cdp, tab, "#workers-other"));
                assertEquals(hostile, text(cdp, tab, "#handler"));
                assertEquals(hostile, text(cdp, tab, "#listen"));
                assertEquals("3 (crash 1, " + hostile + " 2)", text(cdp, tab, "#worker-rows tr[data-slot='7'] td:nth-child(8)"));
                assertEquals("unknown", evaluate(cdp, tab, "document.querySelector(\"#worker-rows tr[data-slot='64']\").dataset.state").asText());
                // nothing in the data became an element or ran
                assertEquals(0, number(cdp, tab, "document.querySelectorAll('img').length"));
                assertEquals(1, number(cdp, tab, "document.scripts.length"));
                assertEquals("undefined", evaluate(cdp, tab, "typeof window.__pwned").asText());
                // the chart: a bar per minute that had restarts, the tallest at the top of the scale
                assertEquals(3, number(cdp, tab, "document.querySelectorAll('#chart g.minute').length"));
                assertEquals("12", text(cdp, tab, "#chart text"));
                assertEquals("5 min ago: 12 restarts, 4 crashes", text(cdp, tab, "#chart g.minute[data-ago='5'] title"));
                assertFitsTheWindow(cdp, tab);
                assertNoErrors(cdp, tab);
                screenshot(cdp, tab, REPORTS.resolve("status-page-64.png"));

                // /status failing: the page says so and keeps the last answer, greyed; then recovers by itself
                answer.set(503);
                awaitPage(cdp, tab, "that it cannot read /status", "!document.getElementById('problem').hidden"
                        + " && document.body.classList.contains('stale')");
                assertTrue(text(cdp, tab, "#problem").startsWith("Cannot read /status (HTTP 503); showing what forkd said at "),
                        text(cdp, tab, "#problem"));
                assertEquals(64, number(cdp, tab, "document.querySelectorAll('#worker-rows tr').length"));
                answer.set(200);
                awaitPage(cdp, tab, "the warning gone once /status answers", "document.getElementById('problem').hidden"
                        + " && !document.body.classList.contains('stale')");
            }
        }
    }

    @Test
    void withoutChromiumTheBrowserTestsFailInCiAndSkipElsewhere(@TempDir Path tmp) throws Exception {
        Map<String, String> none = Map.of("PATH", tmp.toString());
        AssertionFailedError inCi = assertThrows(AssertionFailedError.class,
                () -> Chromium.executableOrSkip(Map.of("PATH", tmp.toString(), "CI", "true")));
        assertTrue(inCi.getMessage().contains("in CI the browser test must run"), inCi.getMessage());
        TestAbortedException skipped = assertThrows(TestAbortedException.class, () -> Chromium.executableOrSkip(none));
        assertTrue(skipped.getMessage().contains("apt-get install chromium"), skipped.getMessage());
        // found on the PATH, or named by FORKD_CHROMIUM (which, when it names nothing runnable, counts as missing)
        Path fake = Files.writeString(tmp.resolve("chromium"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(fake, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertEquals(fake, Chromium.executableOrSkip(none));
        assertEquals(fake, Chromium.executableOrSkip(Map.of("PATH", "/nonexistent", "FORKD_CHROMIUM", fake.toString())));
        assertThrows(AssertionFailedError.class, () -> Chromium.executableOrSkip(Map.of("PATH", tmp.toString(), "CI", "true",
                "FORKD_CHROMIUM", tmp.resolve("nothing").toString())));
    }

    /** {@code one} (a real /status) with 64 workers: 60 ready, 2 starting, 1 draining, 1 in a state no forkd has; markup in every text. */
    private static JsonNode sixtyFourWorkers(JsonNode one, String hostile) {
        ObjectNode s = one.deepCopy();
        s.put("handler", hostile).put("listen", hostile).put("targetWorkers", 64);
        ArrayNode workers = s.putArray("workers");
        for (int slot = 1; slot <= 64; slot++) {
            ObjectNode w = ((ObjectNode) one.get("workers").get(0)).deepCopy();
            w.put("id", 100 + slot).put("slot", slot).put("pid", 40000 + slot).put("rssBytes", 40L * 1024 * 1024 + slot * 4096L)
                    .put("state", slot <= 60 ? "ready" : slot <= 62 ? "starting" : slot == 63 ? "draining" : hostile);
            if (slot == 7) {
                ObjectNode reasons = w.putObject("restartsByReason");
                reasons.put("crash", 1).put(hostile, 2);
                w.put("restarts", 3);
            }
            workers.add(w);
        }
        ObjectNode recent = s.putObject("recentRestarts");
        recent.put("bucketSeconds", 60);
        ArrayNode restarts = recent.putArray("restarts");
        ArrayNode crashes = recent.putArray("crashes");
        for (int k = 0; k < 60; k++) {
            int ago = 59 - k;
            restarts.add(ago == 5 ? 12 : ago == 20 ? 3 : ago == 0 ? 1 : 0);
            crashes.add(ago == 5 ? 4 : 0);
        }
        return s;
    }

    /** Answers an intercepted GET /status with {@code code} and {@code body}. */
    private static void fulfil(DevTools cdp, String tab, JsonNode paused, int code, byte[] body) {
        ObjectNode p = DevTools.params().put("requestId", paused.path("params").path("requestId").asText()).put("responseCode", code)
                .put("body", Base64.getEncoder().encodeToString(body));
        p.putArray("responseHeaders").addObject().put("name", "Content-Type").put("value", "application/json");
        try {
            cdp.send(tab, "Fetch.fulfillRequest", p);
        } catch (IOException e) {
            // the page then waits for this poll's timeout and polls again, which is intercepted again
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** No horizontal scrolling at the window's width (1280 CSS pixels). */
    private static void assertFitsTheWindow(DevTools cdp, String tab) throws IOException, InterruptedException {
        JsonNode w = evaluate(cdp, tab, "({page: document.documentElement.scrollWidth, window: window.innerWidth})");
        assertTrue(w.get("page").asInt() <= w.get("window").asInt(), "the page is wider than the window: " + w);
    }

    /** Polls the page until {@code condition} (a JavaScript expression) is true; at the deadline fails with what the page shows. */
    private static void awaitPage(DevTools cdp, String tab, String what, String condition) throws IOException, InterruptedException {
        Await.value(PAGE_TIMEOUT, last -> "the page did not show " + what + " within " + PAGE_TIMEOUT + "; it shows:\n" + last,
                // before the page is there (about:blank, loading) the condition may throw: that is a "not yet"
                () -> evaluate(cdp, tab, "(() => { try { return (" + condition + ") ? 'yes' : document.body.innerText; }"
                        + " catch (e) { return String(e) + ' in ' + location.href; } })()").asText(), v -> v.equals("yes"));
    }

    /** Creates a tab, attaches to it, turns on the events the checks read; returns its session. */
    private static String open(DevTools cdp) throws IOException, InterruptedException {
        String target = cdp.send(null, "Target.createTarget", DevTools.params().put("url", "about:blank")).get("targetId").asText();
        String tab = cdp.send(null, "Target.attachToTarget", DevTools.params().put("targetId", target).put("flatten", true))
                .get("sessionId").asText();
        cdp.send(tab, "Page.enable", null);
        cdp.send(tab, "Runtime.enable", null);
        cdp.send(tab, "Log.enable", null);
        cdp.send(tab, "Page.addScriptToEvaluateOnNewDocument", DevTools.params().put("source", WATCH_VIOLATIONS));
        return tab;
    }

    /** No console error or warning, no uncaught exception, no browser log error (CSP refusals are logged there), no violation. */
    private static void assertNoErrors(DevTools cdp, String tab) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        for (JsonNode e : cdp.events("Runtime.consoleAPICalled")) {
            String type = e.path("params").path("type").asText();
            if (type.equals("error") || type.equals("warning") || type.equals("assert")) {
                problems.add("console." + type + ": " + e.path("params").path("args"));
            }
        }
        cdp.events("Runtime.exceptionThrown").forEach(e -> problems.add("exception: " + e.path("params").path("exceptionDetails")));
        for (JsonNode e : cdp.events("Log.entryAdded")) {
            String level = e.path("params").path("entry").path("level").asText();
            if (level.equals("error") || level.equals("warning")) {
                problems.add("log " + level + ": " + e.path("params").path("entry"));
            }
        }
        JsonNode violations = evaluate(cdp, tab, "window.__violations");
        violations.forEach(v -> problems.add("CSP violation: " + v.asText()));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The result of {@code expression} in the page, by value; fails on an exception in it. */
    private static JsonNode evaluate(DevTools cdp, String tab, String expression) throws IOException, InterruptedException {
        JsonNode r = cdp.send(tab, "Runtime.evaluate", DevTools.params().put("expression", expression).put("returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("in the page, " + expression + " threw: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** The text of the first element matching {@code selector}; "" if there is none. */
    private static String text(DevTools cdp, String tab, String selector) {
        try {
            return evaluate(cdp, tab, "(document.querySelector(" + JSON.writeValueAsString(selector) + ") || {textContent: ''}).textContent")
                    .asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long number(DevTools cdp, String tab, String expression) {
        try {
            return evaluate(cdp, tab, expression).asLong(-1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> pagePids(DevTools cdp, String tab) throws IOException, InterruptedException {
        List<Long> pids = new ArrayList<>();
        evaluate(cdp, tab, "Array.from(document.querySelectorAll('#worker-rows tr'), tr => Number(tr.dataset.pid))")
                .forEach(p -> pids.add(p.asLong()));
        return pids;
    }

    /** The whole page (not only the window, nor the empty window below a short page) as a PNG. */
    private static void screenshot(DevTools cdp, String tab, Path file) throws IOException, InterruptedException {
        JsonNode size = evaluate(cdp, tab, "({width: document.documentElement.clientWidth, height: document.body.offsetHeight})");
        ObjectNode clip = DevTools.params().put("x", 0).put("y", 0).put("width", size.get("width").asInt())
                .put("height", size.get("height").asInt()).put("scale", 1);
        ObjectNode p = DevTools.params().put("format", "png").put("captureBeyondViewport", true);
        p.set("clip", clip);
        byte[] png = Base64.getDecoder().decode(cdp.send(tab, "Page.captureScreenshot", p).get("data").asText());
        Files.createDirectories(file.getParent());
        Files.write(file, png);
    }

    /** The text of the page's one {@code <tag>} element. */
    private static String element(String html, String tag) {
        Matcher m = Pattern.compile("<" + tag + ">(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
        assertTrue(m.find(), "a <" + tag + "> in the page");
        String text = m.group(1);
        assertFalse(m.find(), "one <" + tag + "> only");
        return text;
    }

    private static String sha256(String text) throws Exception {
        return "'sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
                + "'";
    }
}
