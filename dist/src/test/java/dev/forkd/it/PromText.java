package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4) for tests: every line
 * must be a HELP or TYPE comment or a sample of a declared family. Where Debian's
 * python3-prometheus-client is installed, the reference parser reads the text as well.
 */
final class PromText {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
            + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|[-+]?Inf))( -?[0-9]+)?");

    private PromText() {
    }

    /** Series (name plus labels) → value. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Set<String> families = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = TYPE.matcher(line)).matches()) {
                assertTrue(families.add(m.group(1)), "TYPE declared twice: " + line);
            } else if (HELP.matcher(line).matches()) {
                continue;
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String family = name.replaceAll("_(total|bucket|count|sum|created)$", "");
                assertTrue(families.contains(name) || families.contains(family), "sample of an undeclared family: " + line);
                String value = m.group(3);
                samples.put(name + (m.group(2) == null ? "" : m.group(2)),
                        value.endsWith("Inf") ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                                : Double.parseDouble(value));
            } else {
                fail("not Prometheus text format: '" + line + "'");
            }
        }
        referenceParse(text);
        return samples;
    }

    private static void referenceParse(String text) {
        try {
            Process p = new ProcessBuilder("python3", "-c",
                    "import sys\n"
                            + "try:\n"
                            + "    from prometheus_client.parser import text_string_to_metric_families\n"
                            + "except ImportError:\n"
                            + "    sys.exit(3)\n"
                            + "n = sum(len(f.samples) for f in text_string_to_metric_families(sys.stdin.read()))\n"
                            + "print(n)\n").redirectErrorStream(true).start();
            p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            if (p.exitValue() == 3) {
                return; // the reference parser is not installed here; the strict reader above has checked the text
            }
            assertEquals(0, p.exitValue(), "prometheus_client could not parse the metrics: " + out);
        } catch (IOException e) {
            // no python3 on this machine: the strict reader above is the check
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
