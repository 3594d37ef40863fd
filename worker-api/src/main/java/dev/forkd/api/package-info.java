/**
 * The API a forkd handler is written against, in two styles: {@link dev.forkd.api.Handler} (what a
 * worker runs for each message of a client connection) with {@link dev.forkd.api.Connection} (that
 * connection, as the handler sees it); or {@link dev.forkd.api.StreamHandler} (the blocking stream
 * style, the connection's {@link dev.forkd.api.StreamConnection} on a thread of its own, in the
 * threaded and prefork models). Then {@link dev.forkd.api.TlsInfo}, and publish/subscribe between workers
 * ({@link dev.forkd.api.Subscriber}, {@link dev.forkd.api.Subscription},
 * {@link dev.forkd.api.Delivery}).
 *
 * <p>The module ({@code dev.forkd:forkd-worker-api}, automatic module name {@code dev.forkd.api})
 * has no dependencies. Declare it with {@code provided} scope and leave it out of the handler's
 * jar: forkd.jar holds these classes, and the workers load them from there before looking at
 * {@code --worker-classpath}. See {@code examples/handler} in forkd's repository for a complete
 * project.
 */
package dev.forkd.api;
