package dev.forkd.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

/** What ForkdContainer decides before any engine is asked: none of this needs Docker. */
class ForkdContainerTest {

    @Test
    void onlyForkdImagesOrDeclaredSubstitutesAreAccepted() {
        new ForkdContainer("forkd:local").close();
        new ForkdContainer(DockerImageName.parse("registry.example.com/team/forkd-custom:1").asCompatibleSubstituteFor("forkd")).close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ForkdContainer("postgres:16"));
        assertTrue(e.getMessage().contains("forkd"), e.getMessage());
    }

    @Test
    void mistakesAreRefusedWhereTheyAreMade() {
        try (ForkdContainer f = new ForkdContainer("forkd:local")) {
            assertThrows(IllegalArgumentException.class, () -> f.withArgs("--port", "1"));
            assertThrows(IllegalArgumentException.class, () -> f.withWorkers(0));
            assertThrows(IllegalArgumentException.class, () -> f.withHandlerJar(Path.of("no/such.jar"), "com.example.H"));
            assertThrows(IllegalArgumentException.class, () -> f.withWorkerClasspath(Path.of("no/such/dir")));
            assertThrows(IllegalArgumentException.class, () -> f.withHostNetwork(7000, 7000));
            assertThrows(IllegalArgumentException.class, () -> f.withHostNetwork(-1, 0));
        }
    }

    @Test
    void crashWorkerNeedsTheChaosHandler() {
        try (ForkdContainer f = new ForkdContainer("forkd:local")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, f::crashWorker);
            assertTrue(e.getMessage().contains("withChaos()"), e.getMessage());
        }
    }

    @Test
    void onTheHostNetworkThePortsAreKnownOnlyOnceStartedAndTheHostIsLoopback() {
        try (ForkdContainer f = new ForkdContainer("forkd:local").withHostNetwork()) {
            assertEquals("127.0.0.1", f.getHost());
            IllegalStateException e = assertThrows(IllegalStateException.class, f::getClientPort);
            assertTrue(e.getMessage().contains("start()"), e.getMessage());
        }
    }

    @Test
    void theTokenIsMadeHereAndDiffersPerContainer() {
        try (ForkdContainer a = new ForkdContainer("forkd:local"); ForkdContainer b = new ForkdContainer("forkd:local")) {
            assertEquals(43, a.getAdminToken().length());
            assertNotEquals(a.getAdminToken(), b.getAdminToken());
        }
    }

    @Test
    void freeLoopbackPortsAreTwoDifferentOnesAndGivenPortsAreKept() throws IOException {
        int[] two = FreePorts.loopback(0, 0);
        assertNotEquals(two[0], two[1]);
        assertTrue(two[0] > 0 && two[1] > 0);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int[] one = FreePorts.loopback(s.getLocalPort(), 0);
            assertEquals(s.getLocalPort(), one[0]);
            assertNotEquals(one[0], one[1]);
        }
    }

    /** What forkd's AdminGuard accepts (AdminGuardTest: a wildcard bind takes 127.0.0.1 with its own port, a loopback bind its own address). */
    @Test
    void theAdminRequestsNameTheAddressForkdBoundNotTheMappedOne() {
        assertEquals("127.0.0.1:9901", ForkdContainer.adminHostHeader(false, 0));
        assertEquals("127.0.0.1:40002", ForkdContainer.adminHostHeader(true, 40002));
    }

    @Test
    void theHealthcheckIsTheImagesOwnPointedAtTheAdminAddress() {
        assertEquals(List.of("CMD", "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", "/opt/forkd/forkd.jar",
                "status", "--admin", "127.0.0.1:40000"), ForkdContainer.healthcheck("127.0.0.1:40000").getTest());
    }
}
