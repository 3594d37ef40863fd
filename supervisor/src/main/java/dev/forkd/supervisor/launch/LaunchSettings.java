package dev.forkd.supervisor.launch;

import java.time.Duration;
import java.util.List;

/**
 * What a worker's command line is made of, in the launcher's own terms: built by the supervisor
 * from the command line, so that the launcher depends on no command-line type.
 *
 * @param jvmOptions the user's JVM options (--worker-jvm-opt), after forkd's defaults so that they win
 * @param jit the workers' JIT, resolved ({@link WorkerJit#resolve}): FAST, FULL or USER
 * @param logLevel the workers' log level
 * @param handler the handler class or name
 * @param bufferSize the workers' relay buffer
 * @param framing the framing's name as the worker reads it (lower case)
 * @param maxFrame the largest frame
 * @param fixedSize the fixed framing's record size
 * @param heartbeatTimeout a worker that hears no ping for this long exits
 * @param workerClasspath extra class path for the handler, or null
 * @param enableChaos the workers may load the chaos handler
 * @param handlerSpeaksFirst the handler writes before the client does
 * @param concurrency how one worker serves its connections (one at a time, a thread each, one event loop)
 * @param outbox deliveries a connection may have waiting before it is dropped as slow (--chat-outbox)
 */
public record LaunchSettings(
        List<String> jvmOptions,
        WorkerJit jit,
        String logLevel,
        String handler,
        int bufferSize,
        String framing,
        int maxFrame,
        int fixedSize,
        Duration heartbeatTimeout,
        String workerClasspath,
        boolean enableChaos,
        boolean handlerSpeaksFirst,
        WorkerConcurrency concurrency,
        int outbox) {
    public LaunchSettings {
        jvmOptions = List.copyOf(jvmOptions);
        if (jit == null || jit == WorkerJit.AUTO) {
            throw new IllegalArgumentException("the workers' JIT must be resolved before launching, not " + jit);
        }
    }
}
