package dev.forkd.tools.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.Model;
import dev.forkd.supervisor.cli.ForkdCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class CrashCommandTest {
    private static CrashConfig resolve(String... args) {
        CommandLine cl = new CommandLine(new CrashCommand());
        cl.parseArgs(args);
        return cl.<CrashCommand>getCommand().resolve();
    }

    @Test
    void defaults() {
        CrashConfig c = resolve();
        assertEquals(List.of(Model.ITERATIVE, Model.PREFORK, Model.FORK_PER_CONNECTION, Model.THREADED), c.models());
        assertEquals(4, c.workers());
        assertEquals(20, c.clients());
        assertEquals(Duration.ofSeconds(30), c.duration());
        assertEquals(Duration.ofSeconds(2), c.crashEvery());
        assertEquals(CrashKind.KILL9, c.kind());
        assertEquals(5, c.requestsPerConnection());
        assertEquals(Path.of("report"), c.out());
        assertEquals(1, c.workersFor(Model.ITERATIVE));
        assertEquals(4, c.workersFor(Model.THREADED));
    }

    @Test
    void everyOption() {
        CrashConfig c = resolve("--models", "threaded,prefork,threaded", "--workers", "2", "--clients", "6", "--duration", "5s",
                "--crash-every", "500ms", "--crash-kind", "hang", "--seed", "-3", "--requests-per-connection", "1", "--out", "/tmp/r");
        assertEquals(List.of(Model.THREADED, Model.PREFORK), c.models(), "in the order given, each once");
        assertEquals(CrashKind.HANG, c.kind());
        assertEquals(-3, c.seed());
        assertEquals(Duration.ofMillis(500), c.crashEvery());
        assertEquals("forkd experiment crash --models threaded,prefork --workers 2 --clients 6 --duration 5s --crash-every 500ms"
                + " --crash-kind hang --seed -3 --requests-per-connection 1 --out /tmp/r", c.commandLine());
    }

    @Test
    void withoutASeedOneIsChosenAndRecorded() {
        assertNotEquals(resolve().seed(), resolve().seed(), "two random 64-bit seeds differ");
    }

    @Test
    void badValuesAreRefused() {
        assertEquals("--workers must be at least 1, not 0", assertThrows(ParameterException.class, () -> resolve("--workers", "0")).getMessage());
        assertEquals("--clients must be at least 1, not 0", assertThrows(ParameterException.class, () -> resolve("--clients", "0")).getMessage());
        assertEquals("--tls-cert and --tls-key go together", assertThrows(ParameterException.class, () -> resolve("--tls-cert", "a.pem")).getMessage());
        assertEquals("--crash-every must be more than 0",
                assertThrows(ParameterException.class, () -> resolve("--crash-every", "0s")).getMessage());
        assertTrue(assertThrows(ParameterException.class, () -> resolve("--crash-kind", "explode")).getMessage()
                .contains("unknown crash kind 'explode' (choose from kill9, crash, exit, oom, hang)"));
        assertTrue(assertThrows(ParameterException.class, () -> resolve("--models", "prefork,forking")).getMessage()
                .contains("unknown model 'forking'"));
    }

    @Test
    void aScheduleWithNoCrashIsRefusedUpFront() {
        ParameterException e = assertThrows(ParameterException.class, () -> resolve("--duration", "1s", "--crash-every", "2s"));
        assertEquals("--duration 1s with --crash-every 2s schedules no crash (crashes come at every multiple of --crash-every before"
                + " the end): nothing would be tested; give a --duration longer than --crash-every", e.getMessage());
        assertThrows(ParameterException.class, () -> resolve("--duration", "2s", "--crash-every", "2s"), "a crash at the end is no crash");
        assertEquals(1, CrashSchedule.of(resolve("--duration", "2001ms", "--crash-every", "2s").seed(), Duration.ofMillis(2001),
                Duration.ofSeconds(2)).size());
    }

    @Test
    void aScheduleWithNoCrashExitsTwoBeforeStartingAnything() {
        CommandLine forkd = ForkdCommand.commandLine();
        StringWriter err = new StringWriter();
        forkd.setErr(new PrintWriter(err));
        assertEquals(2, forkd.execute("experiment", "crash", "--duration", "1s", "--crash-every", "2s", "--out", "/nonexistent/never"));
        assertTrue(err.toString().contains("schedules no crash"), err.toString());
    }

    @Test
    void helpShowsAReadableModelsSynopsisAndTheExitCodes() {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new CrashCommand());
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--help"));
        String help = out.toString();
        assertTrue(help.contains("[--models=MODEL,...]"), help);
        assertTrue(help.contains("--models=MODEL,...  "), "the option's own line too: " + help);
        assertTrue(!help.contains("MODEL[,MODEL") && !help.contains("...]]"), "no picocli split syntax around the label: " + help);
        assertTrue(help.contains(CrashCommand.INCONCLUSIVE_EXIT + " inconclusive"), help);
    }

    @Test
    void experimentIsAForkdCommandAndCrashItsSubcommand() {
        CommandLine forkd = ForkdCommand.commandLine();
        StringWriter err = new StringWriter();
        forkd.setErr(new PrintWriter(err));
        assertEquals(2, forkd.execute("experiment"), "an experiment must be named");
        assertTrue(err.toString().contains("Missing an experiment (try `forkd experiment crash`)"), err.toString());
        assertTrue(forkd.getSubcommands().get("experiment").getSubcommands().containsKey("crash"));
    }
}
