package dev.forkd.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ForkdCommandTest {
    @Test
    void aLaterOptionWinsSoThatContainerArgumentsOverrideTheImage() {
        CommandLine cl = ForkdCommand.commandLine();
        CommandLine.ParseResult r = cl.parseArgs("serve", "--host", "0.0.0.0", "--port", "8888", "--host", "127.0.0.1");
        ServeCommand serve = (ServeCommand) r.subcommand().commandSpec().userObject();
        assertEquals("127.0.0.1", serve.host);
    }
}
