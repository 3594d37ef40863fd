package dev.forkd.supervisor.cli;

import dev.forkd.shared.ExitCodes;
import java.io.PrintWriter;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "forkd",
        mixinStandardHelpOptions = true,
        exitCodeOnInvalidInput = ExitCodes.USAGE,
        exitCodeOnExecutionException = ExitCodes.INTERNAL,
        versionProvider = VersionProvider.class,
        description = {
            "A fork-style TCP supervisor for the JVM. A supervisor process accepts TCP",
            "connections and relays each one to a pool of pre-started worker JVMs over",
            "Unix sockets. A worker that crashes takes down only its own connections,",
            "and is replaced.",
            ""
        },
        // then the tools (client, bench, experiment) and help: see commandLine()
        subcommands = {ServeCommand.class, AdminCommands.Status.class, AdminCommands.Reload.class, AdminCommands.Scale.class},
        footer = {"", "Run `forkd serve` to start with the defaults (127.0.0.1:8888, upper-case echo)."})
public final class ForkdCommand implements Runnable {
    @Spec
    CommandSpec spec;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ForkdCommand());
        // the tools live in a module that depends on this one, so they are found at run time, not named here
        for (ToolCommands tools : ServiceLoader.load(ToolCommands.class, ForkdCommand.class.getClassLoader())) {
            for (Object command : tools.commands()) {
                cl.addSubcommand(command);
            }
        }
        cl.addSubcommand(new CommandLine.HelpCommand());
        // a later option wins, as in most tools: `docker run IMAGE --host 127.0.0.1` overrides the image's --host
        cl.setOverwrittenOptionsAllowed(true);
        // one clear line and a pointer to --help, not the whole usage text, as git and systemctl do
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println(cmd.getColorScheme().errorText("forkd: " + ex.getMessage()));
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command (try `forkd serve`)");
    }
}
