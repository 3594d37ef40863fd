package dev.forkd.tools.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerAddressTest {

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:8888, 127.0.0.1:8888",
        "'  127.0.0.1:8888 ', 127.0.0.1:8888",
        ":8888, 127.0.0.1:8888",
        "[::1]:8888, [::1]:8888",
        "[2001:db8:0:0:0:0:0:1]:80, [2001:db8::1]:80",
        "127.0.0.1:65535, 127.0.0.1:65535",
    })
    void parsesAndPrintsAsForkdLogsAddresses(String text, String printed) {
        ServerAddress a = ServerAddress.parse(text);
        assertEquals(printed, a.toString());
        assertTrue(!a.address().isUnresolved());
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, is not HOST:PORT",
        "::1:8888, write IPv6 as [::1]:PORT",
        "2001:db8::1:80, write IPv6 as [::1]:PORT",
        "[::1], is not [IPv6]:PORT",
        "[::1:8888, is not [IPv6]:PORT",
        "127.0.0.1:, '' is not a port number",
        "127.0.0.1:http, 'http' is not a port number",
        "127.0.0.1:65536, port 65536 is out of range",
        "127.0.0.1:0, port 0 cannot be connected to",
        "'', is not HOST:PORT",
    })
    void rejectsWithAClearMessage(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse(text));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aRefusedConnectionIsOneClearLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TcpConnector.ConnectFailedException e = assertThrows(TcpConnector.ConnectFailedException.class,
                () -> TcpConnector.connect(ServerAddress.parse("127.0.0.1:" + port), Duration.ofSeconds(5)));
        assertEquals("connection to 127.0.0.1:" + port + " refused", e.getMessage());
    }
}
