package dev.forkd.tools.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forkd.supervisor.cli.ForkdCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The command lines of `forkd client` that must be refused with exit 2 and one clear line. */
public class ClientCommandTest {

    public static String refuse(String args) {
        CommandLine cl = ForkdCommand.commandLine();
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(out));
        int code = cl.execute(args.split(" "));
        assertEquals(2, code, "exit code; stderr: " + err);
        assertEquals("", out.toString());
        return err.toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "client 127.0.0.1 | '127.0.0.1' is not HOST:PORT",
        "client ::1:8888 | write IPv6 as [::1]:PORT",
        "client 127.0.0.1:0 | port 0 cannot be connected to",
        "client host:99999 | port 99999 is out of range",
        "client | Missing required parameter: 'HOST:PORT'",
        "client 127.0.0.1:1 --framing fixed | --framing fixed needs --fixed-size",
        "client 127.0.0.1:1 --fixed-size 8 | --fixed-size goes with --framing fixed",
        "client 127.0.0.1:1 --framing morse | unknown framing 'morse'",
        "client 127.0.0.1:1 --heartbeat often | 'often' is not a duration",
        "client 127.0.0.1:1 --max-frame 0 | --max-frame must be at least 1 byte",
    })
    void badCommandLinesExit2WithOneClearLine(String args, String message) {
        String err = refuse(args);
        String first = err.lines().findFirst().orElse("");
        assertTrue(first.startsWith("forkd: ") && first.contains(message), err);
        assertTrue(err.contains("Try 'forkd " + args.split(" ")[0] + " --help'"), err);
        assertEquals(2, err.lines().count(), err);
    }
}
