package dev.forkd.worker.blocking;

import dev.forkd.worker.handlers.BuiltInHandlers;

/** A blocking-model class that picks a built-in handler itself, which the package rules forbid: PackageRulesFailTest's fixture. */
public final class BlockingPickingAHandler {
    public BuiltInHandlers handlers;
}
