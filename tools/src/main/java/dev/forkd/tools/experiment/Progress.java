package dev.forkd.tools.experiment;

import dev.forkd.supervisor.Model;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The experiment's progress on stderr: on a terminal a bar per model redrawn in place
 * ({@code prefork [#####-----] 12s/30s}); otherwise one plain line when a model starts and one when it ends.
 */
final class Progress {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean bar;
    private boolean barShown;

    Progress(PrintWriter err, boolean bar) {
        this.err = err;
        this.bar = bar;
    }

    synchronized void started(Model model, int number, int of, long durationMs) {
        if (!bar) {
            err.printf(Locale.ROOT, "[%d/%d] %s: running for %ds%n", number, of, model, durationMs / 1000);
            err.flush();
        }
    }

    synchronized void tick(Model model, long elapsedMs, long durationMs) {
        if (bar) {
            err.print("\r" + line(model.cliName, elapsedMs, durationMs));
            err.flush();
            barShown = true;
        }
    }

    synchronized void finished(Model model, String summary) {
        if (bar && barShown) {
            err.println();
            barShown = false;
        }
        err.println((bar ? "  " : "") + model + ": " + summary);
        err.flush();
    }

    /** {@code prefork               [#####-----] 12s/30s}: the model, then the elapsed share of the duration. */
    static String line(String model, long elapsedMs, long durationMs) {
        long shown = Math.min(elapsedMs, durationMs);
        int filled = durationMs <= 0 ? WIDTH : (int) (WIDTH * shown / durationMs);
        return String.format(Locale.ROOT, "%-20s [%s%s] %ds/%ds", model, "#".repeat(filled), "-".repeat(WIDTH - filled),
                shown / 1000, durationMs / 1000);
    }
}
