package dev.forkd.tools.experiment;

import dev.forkd.shared.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** `forkd experiment`: experiments that run real supervisors and report what happened. */
@Command(name = "experiment", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = ExitCodes.USAGE,
        description = "Run an experiment against real forkd supervisors and write a report.",
        subcommands = {CrashCommand.class})
public final class ExperimentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing an experiment (try `forkd experiment crash`)");
    }
}
