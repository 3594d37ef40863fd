package dev.forkd.tools;

import dev.forkd.supervisor.cli.ToolCommands;
import dev.forkd.tools.bench.BenchCommand;
import dev.forkd.tools.client.ClientCommand;
import dev.forkd.tools.experiment.ExperimentCommand;
import java.util.List;

/** forkd's client, bench and experiment subcommands, found by {@code ForkdCommand} through ServiceLoader. */
public final class ForkdTools implements ToolCommands {
    @Override
    public List<Object> commands() {
        return List.of(new ClientCommand(), new BenchCommand(), new ExperimentCommand());
    }
}
