package dev.forkd.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The warning about signals forkd cannot trap; LifecycleIT checks that it appears under `trap "" HUP INT`. */
class SignalsTest {
    @Test
    void noWarningWhenEverySignalIsHandled() {
        assertNull(Signals.unhandledWarning(List.of()));
    }

    @Test
    void hupAndIntNameTheirReplacements() {
        String w = Signals.unhandledWarning(List.of("INT", "HUP"));
        assertTrue(w.startsWith("forkd cannot handle SIGINT, SIGHUP: ignored when it started (nohup, or `&` in a script)"), w);
        assertTrue(w.contains("for INT (graceful stop) TERM"), w);
        assertTrue(w.contains("for HUP (rolling restart) `forkd reload`"), w);
        assertTrue(w.contains("env --default-signal=HUP,INT,TERM"), w);
    }

    @Test
    void withoutIntAndTermNoGracefulStopIsLeft() {
        String w = Signals.unhandledWarning(List.of("TERM", "INT"));
        assertTrue(w.contains("for TERM (graceful stop) nothing: only KILL stops forkd, at once"), w);
        assertTrue(w.contains("for INT (graceful stop) nothing"), w);
    }

    @Test
    void aHandledSignalIsNotReported() {
        List<String> unhandled = Signals.install(name -> { }, "TTIN");
        assertEquals(List.of(), unhandled, "TTIN is always installed, even if it was ignored at start");
    }
}
