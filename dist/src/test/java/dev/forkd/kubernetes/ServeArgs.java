package dev.forkd.kubernetes;

import dev.forkd.supervisor.ServeConfig;
import dev.forkd.supervisor.cli.ForkdCommand;
import dev.forkd.supervisor.cli.ServeCommand;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * A container's args read the way the image runs them: its entrypoint is `java ... -jar forkd.jar
 * serve "$@"`, so they go to forkd's real command line after `serve`, and are resolved by forkd's
 * own rules (presets, defaults, the combinations it refuses with exit 2).
 */
final class ServeArgs {
    private ServeArgs() {
    }

    /** The configuration forkd would run with; an IllegalArgumentException with forkd's own message if it would refuse the args. */
    static ServeConfig resolve(List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add("serve");
        argv.addAll(args);
        try {
            CommandLine.ParseResult parsed = ForkdCommand.commandLine().parseArgs(argv.toArray(String[]::new));
            if (!parsed.hasSubcommand() || !(parsed.subcommand().commandSpec().userObject() instanceof ServeCommand serve)) {
                throw new IllegalArgumentException("the args are not those of `forkd serve`");
            }
            return serve.resolve();
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException("forkd serve refuses the args: " + e.getMessage(), e);
        }
    }
}
