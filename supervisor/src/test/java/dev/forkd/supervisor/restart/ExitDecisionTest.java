package dev.forkd.supervisor.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forkd.shared.ExitCodes;
import dev.forkd.supervisor.restart.ExitDecision.Then;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExitDecisionTest {
    private static final int KILLED = 137;
    /** The worker's state when its exit was seen: only whether the pool was stopping it matters. */
    private static final boolean STOPPING = true;
    private static final boolean STARTING = false;
    private static final boolean READY = false;
    private static final boolean DRAINING = false;

    private static ExitDecision decide(boolean was, RestartReason asked, boolean everReady, int code, boolean dirLost) {
        return ExitDecision.of(false, was, asked, everReady, code, dirLost);
    }

    @Test
    void theSupervisorsOwnShutdownIsNotARestart() {
        assertEquals(new ExitDecision(null, Then.NOTHING), ExitDecision.of(true, READY, null, true, KILLED, false));
        assertEquals(new ExitDecision(null, Then.NOTHING), ExitDecision.of(true, STARTING, null, false, ExitCodes.BOOT_FAILURE, false));
    }

    @ParameterizedTest
    @EnumSource(value = RestartReason.class, names = {"RECYCLE", "RELOAD", "SCALE", "SOCKET"})
    void aWorkerThePoolLetGoIsCountedUnderWhyAndReplacedAtOnce(RestartReason why) {
        assertEquals(new ExitDecision(why, Then.REPLACE), decide(DRAINING, why, true, 0, false));
        // whatever its exit code, and even if it never got to be ready (a scaled-away booting worker)
        assertEquals(new ExitDecision(why, Then.REPLACE), decide(STOPPING, why, false, KILLED, false));
    }

    @Test
    void aBootFailureGivesUp() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.GIVE_UP),
                decide(STARTING, null, false, ExitCodes.BOOT_FAILURE, false));
    }

    @Test
    void aBootFailureBecauseTheRuntimeDirectoryWentRestoresItInstead() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.RESTORE_RUNTIME_DIR),
                decide(STARTING, null, false, ExitCodes.BOOT_FAILURE, true));
    }

    @Test
    void anyOtherExitBeforeReadyIsABootFailureThatBacksOff() {
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.REPLACE_AFTER_BACKOFF),
                decide(STARTING, null, false, KILLED, false));
        // the boot timeout stops it: still a boot failure
        assertEquals(new ExitDecision(RestartReason.BOOT_FAILURE, Then.REPLACE_AFTER_BACKOFF),
                decide(STOPPING, null, false, 143, false));
    }

    @Test
    void aServingWorkerThatExitsOnItsOwnCrashed() {
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF), decide(READY, null, true, KILLED, false));
        // out of memory exits with the boot-failure code once serving: a crash, never a give-up
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF),
                decide(READY, null, true, ExitCodes.BOOT_FAILURE, true));
        // exited on its own while draining: the drain did not end it
        assertEquals(new ExitDecision(RestartReason.CRASH, Then.REPLACE_AFTER_BACKOFF), decide(DRAINING, null, true, 1, false));
    }

    @Test
    void aWorkerStoppedForSilenceHung() {
        assertEquals(new ExitDecision(RestartReason.HANG, Then.REPLACE_AFTER_BACKOFF),
                decide(STOPPING, RestartReason.HANG, true, KILLED, false));
        // stopped by the pool with no reason of its own (the graceful timeout of a drain without one)
        assertEquals(new ExitDecision(RestartReason.HANG, Then.REPLACE_AFTER_BACKOFF), decide(STOPPING, null, true, 143, false));
    }
}
