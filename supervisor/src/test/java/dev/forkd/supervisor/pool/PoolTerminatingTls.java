package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.tls.TlsTerminator;

/** A pool class that imports tls, which only listen, the root and cli may: PackageRulesFailTest's fixture. */
public final class PoolTerminatingTls {
    public TlsTerminator tls;
}
