package dev.forkd.supervisor.cli;

import dev.forkd.supervisor.common.NettyDefaults;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine;

/** The {@code forkd} command. */
public final class ForkdMain {
    private ForkdMain() {
    }

    public static void main(String[] args) {
        NettyDefaults.apply();
        int code = ForkdCommand.commandLine().execute(args);
        // log4j's own shutdown hook is off so that lines logged while stopping are not lost
        LogManager.shutdown();
        System.exit(code);
    }
}
