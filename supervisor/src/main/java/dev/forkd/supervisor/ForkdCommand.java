package dev.forkd.supervisor;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "forkd",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = 2,
        exitCodeOnExecutionException = 70,
        versionProvider = VersionProvider.class,
        description = {
            "A fork-style TCP supervisor for the JVM: a supervisor process accepts TCP connections",
            "and relays each one to a pool of pre-started worker JVMs over Unix sockets. A worker",
            "that crashes takes down only its own connections, and is replaced.",
            ""
        },
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Run `forkd serve` to start with the defaults (127.0.0.1:8888, upper-casing echo)."})
final class ForkdCommand implements Runnable {
    @Spec
    CommandSpec spec;

    static CommandLine commandLine() {
        return new CommandLine(new ForkdCommand());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command (try `forkd serve`)");
    }
}
