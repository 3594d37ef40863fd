package dev.forkd.supervisor.pool;

import dev.forkd.supervisor.restart.RestartReason;
import dev.forkd.supervisor.rundir.RuntimeDirectory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirRecoveryTest {
    @TempDir
    Path tmp;
    private RuntimeDirectory dir;
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final List<String> done = new ArrayList<>();
    private boolean stopping;
    private RuntimeDirRecovery recovery;

    @BeforeEach
    void setUp() throws IOException {
        dir = RuntimeDirectory.open(tmp.resolve("run"), Map.of(), ProcessHandle.current().pid());
        Files.createFile(dir.controlSocket());
        recovery = new RuntimeDirRecovery(dir, new PoolActions() {
            @Override
            public boolean stopping() {
                return stopping;
            }

            @Override
            public Collection<WorkerProcess> workers() {
                return workers;
            }

            @Override
            public void stop(WorkerProcess w, RestartReason reason, String detail) {
                done.add("stop " + w.id + " " + reason.label() + ": " + detail);
            }

            @Override
            public void drain(WorkerProcess w, RestartReason reason, String detail) {
                done.add("drain " + w.id + " " + reason.label() + ": " + detail);
            }

            @Override
            public void reconcile() {
                done.add("reconcile");
            }
        }, path -> done.add("moved"));
        recovery.controlSocket(() -> {
            done.add("control socket bound again");
            return true;
        });
    }

    private WorkerProcess worker(int id, WorkerState state) throws IOException {
        WorkerProcess w = new WorkerProcess(id, dir.workerSocket(id), 1);
        w.state = state;
        workers.add(w);
        Files.createFile(w.socket);
        return w;
    }

    private void deleteTheDirectory() throws IOException {
        try (Stream<Path> s = Files.walk(dir.path())) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void anIntactDirectoryIsLeftAlone() throws IOException {
        worker(1, WorkerState.READY);
        assertFalse(recovery.lost());
        recovery.check();
        assertEquals(List.of(), done);
    }

    @Test
    void aDeletedDirectoryIsRecreatedAndEveryWorkerInItReplaced() throws IOException {
        worker(1, WorkerState.READY);
        worker(2, WorkerState.STARTING);
        worker(3, WorkerState.DRAINING);
        deleteTheDirectory();
        assertTrue(recovery.lost());
        recovery.check();
        assertTrue(Files.isDirectory(dir.path()));
        assertEquals(List.of("control socket bound again",
                "drain 1 socket: runtime directory deleted",
                "stop 2 socket: runtime directory deleted",
                "reconcile"), done);
    }

    @Test
    void nothingIsRepairedWhileStopping() throws IOException {
        deleteTheDirectory();
        stopping = true;
        recovery.check();
        assertEquals(List.of(), done);
        assertFalse(Files.exists(dir.path()));
    }

    @Test
    void aWorkerWhoseSocketAnotherUserAnsweredIsDrained() throws IOException {
        WorkerProcess w = worker(1, WorkerState.READY);
        w.distrusted.set("uid 1234");
        recovery.unreachable(w);
        assertEquals(List.of("drain 1 socket: socket answered by another user", "reconcile"), done);
    }

    @Test
    void aBootFailureIsTheDirectorysFaultOnlyIfItIsLostOrTheWorkerOutsideIt() throws IOException {
        WorkerProcess inside = worker(1, WorkerState.STARTING);
        WorkerProcess outside = new WorkerProcess(2, tmp.resolve("elsewhere.sock"), 1);
        assertFalse(recovery.lostFor(inside));
        assertTrue(recovery.lostFor(outside));
        Files.delete(dir.controlSocket());
        assertTrue(recovery.lostFor(inside));
    }

    @Test
    void anExitedWorkersSocketIsRemovedUnlessAnotherUserPutItThere() throws IOException {
        WorkerProcess own = worker(1, WorkerState.EXITED);
        WorkerProcess impostor = worker(2, WorkerState.EXITED);
        impostor.distrusted.set("uid 1234");
        recovery.removeSocket(own);
        recovery.removeSocket(impostor);
        assertFalse(Files.exists(own.socket));
        assertTrue(Files.exists(impostor.socket), "evidence, not ours to delete");
    }
}
