package dev.forkd.supervisor.cli;

import java.util.List;

/**
 * The forkd subcommands that are not the daemon's (client, bench, experiment): the tools module
 * provides them through {@code META-INF/services}, since this module must not depend on it.
 */
public interface ToolCommands {
    /** picocli command objects, in the order {@code forkd --help} lists them. */
    List<Object> commands();
}
