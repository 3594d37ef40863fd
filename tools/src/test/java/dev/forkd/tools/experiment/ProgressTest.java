package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void aBarOfTheElapsedShare() {
        assertEquals("prefork              [############------------------] 12s/30s", Progress.line("prefork", 12_000, 30_000));
        assertEquals("prefork              [##############################] 30s/30s", Progress.line("prefork", 31_000, 30_000),
                "never past the end");
        assertEquals("threaded             [------------------------------] 0s/30s", Progress.line("threaded", 0, 30_000));
    }

    @Test
    void withoutATerminalOneLineAtTheStartAndOneAtTheEnd() {
        StringWriter s = new StringWriter();
        Progress p = new Progress(new PrintWriter(s), false);
        p.started(Model.PREFORK, 2, 4, 30_000);
        p.tick(Model.PREFORK, 5_000, 30_000);
        p.finished(Model.PREFORK, "3 crash(es): PASS");
        String out = s.toString();
        assertEquals(String.format("[2/4] prefork: running for 30s%nprefork: 3 crash(es): PASS%n"), out);
        assertFalse(out.contains("\r"));
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlace() {
        StringWriter s = new StringWriter();
        Progress p = new Progress(new PrintWriter(s), true);
        p.started(Model.PREFORK, 1, 1, 30_000);
        p.tick(Model.PREFORK, 15_000, 30_000);
        p.finished(Model.PREFORK, "done");
        assertTrue(s.toString().startsWith("\rprefork"), s.toString());
        assertTrue(s.toString().endsWith(String.format("%n  prefork: done%n")), s.toString());
    }
}
