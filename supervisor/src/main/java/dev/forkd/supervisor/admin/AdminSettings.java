package dev.forkd.supervisor.admin;

import java.nio.file.Path;

/**
 * What the admin endpoint is told, in its own terms: built by the supervisor from the command
 * line, so that admin depends on no command-line type.
 *
 * @param tokenFile the token the operator gave (--admin-token-file), or null for one forkd makes and publishes
 * @param model the serving model as /status names it
 * @param handler the handler as /status names it
 * @param queueLimit how many connections may wait for a worker (--queue), as /status shows it
 */
public record AdminSettings(Path tokenFile, String model, String handler, int queueLimit) {
}
