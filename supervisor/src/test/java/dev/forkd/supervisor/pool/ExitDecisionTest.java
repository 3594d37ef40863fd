package dev.forkd.supervisor.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.pool.ExitDecision.Then;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExitDecisionTest {
    private static final int KILLED = 137;

    private static ExitDecision decide(WorkerState was, RestartReason asked, boolean everReady, int code, boolean dirLost) {
        return ExitDecision.of(false, was, asked, everReady, code, dirLost);
    }

    @Test
    void theSupervisorsOwnShutdownIsNotARestart() {
        assertEquals(new ExitDecision(null, Then.NOTHING), ExitDecision.of(true, WorkerState.READY, null, true, KILLED, false));
        assertEquals(new ExitDecision(null, Then.NOTHING), ExitDecision.of(true, WorkerState.STARTING, null, false, ExitCodes.BOOT_FAILURE, false));
    }

    @ParameterizedTest
    @EnumSource(value = RestartReason.class, names = {"RECYCLE", "RELOAD", "SCALE", "SOCKET"})
    void aWorkerThePoolLetGoIsCountedUnderWhyAndReplacedAtOnce(RestartReason why) {
        assertEquals(new ExitDecision(why, Then.REPLACE), decide(WorkerState.DRAINING, why, true, 0, false));
        // whatever its exit code, and even if it never got to be ready (a scaled-away booting worker)
        assertEquals(new ExitDecision(why, Then.REPLACE), decide(WorkerState.STOPPING, why, false, KILLED, false));
    }

    @Test
    void aBootFailureGivesUp() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.GIVE_UP),
                decide(WorkerState.STARTING, null, false, ExitCodes.BOOT_FAILURE, false));
    }

    @Test
    void aBootFailureBecauseTheRuntimeDirectoryWentRestoresItInstead() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.RESTORE_RUNTIME_DIR),
                decide(WorkerState.STARTING, null, false, ExitCodes.BOOT_FAILURE, true));
    }

    @Test
    void anyOtherExitBeforeReadyIsABootFailureThatBacksOff() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.REPLACE_AFTER_BACKOFF),
                decide(WorkerState.STARTING, null, false, KILLED, false));
        // the boot timeout stops it: still a boot failure
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.REPLACE_AFTER_BACKOFF),
                decide(WorkerState.STOPPING, null, false, 143, false));
    }

    @Test
    void aServingWorkerThatExitsOnItsOwnCrashed() {
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF), decide(WorkerState.READY, null, true, KILLED, false));
        // out of memory exits with the boot-failure code once serving: a crash, never a give-up
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF),
                decide(WorkerState.READY, null, true, ExitCodes.BOOT_FAILURE, true));
        // exited on its own while draining: the drain did not end it
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF), decide(WorkerState.DRAINING, null, true, 1, false));
    }

    @Test
    void aWorkerStoppedForSilenceHung() {
        assertEquals(new ExitDecision(RestartReason.HANG, Then.REPLACE_AFTER_BACKOFF),
                decide(WorkerState.STOPPING, RestartReason.HANG, true, KILLED, false));
        // stopped by the pool with no reason of its own (the graceful timeout of a drain without one)
        assertEquals(new ExitDecision(RestartReason.HANG, Then.REPLACE_AFTER_BACKOFF), decide(WorkerState.STOPPING, null, true, 143, false));
    }
}
