package dev.forkd.supervisor.admin;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AdminGuardTest {
    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void loopbackTakesItsAddressAndLocalhostWithItsPort() throws Exception {
        AdminGuard g = new AdminGuard(at("127.0.0.1", 9901));
        assertNull(g.refusal("127.0.0.1:9901", null));
        assertNull(g.refusal("localhost:9901", null));
        assertNull(g.refusal("LocalHost:9901", null));
        assertNull(g.refusal(null, null), "HTTP/1.0 may leave Host out");
        assertNull(g.refusal("127.0.0.1:9901", "http://127.0.0.1:9901"));
        assertNull(g.refusal("127.0.0.1:9901", "http://localhost:9901"));
    }

    @Test
    void foreignHostsPortsAndOriginsAreRefused() throws Exception {
        AdminGuard g = new AdminGuard(at("127.0.0.1", 9901));
        assertNotNull(g.refusal("evil.example:9901", null), "DNS rebinding: a name that resolves to 127.0.0.1 for the browser");
        assertNotNull(g.refusal("evil.example", null));
        assertNotNull(g.refusal("127.0.0.1:9902", null));
        assertNotNull(g.refusal("127.0.0.1", null), "no port means 80");
        assertNotNull(g.refusal("127.0.0.2:9901", null), "another loopback address is not the bound one");
        assertNotNull(g.refusal("127.0.0.1:9901", "http://evil.example"));
        assertNotNull(g.refusal("127.0.0.1:9901", "null"), "a sandboxed page's Origin");
        assertNotNull(g.refusal("127.0.0.1:9901", "https://127.0.0.1:9901"));
        assertNotNull(g.refusal("127.0.0.1:9901:1", null));
        assertNotNull(g.refusal("[::1]:9901", null));
        assertNotNull(g.refusal("999.0.0.1:9901", null));
        assertNotNull(g.refusal(":9901", null));
    }

    @Test
    void ipv6IsBracketed() throws Exception {
        AdminGuard g = new AdminGuard(at("::1", 9901));
        assertNull(g.refusal("[::1]:9901", null));
        assertNull(g.refusal("[0:0:0:0:0:0:0:1]:9901", null));
        assertNull(g.refusal("localhost:9901", null));
        assertNotNull(g.refusal("::1:9901", null));
        assertNotNull(g.refusal("127.0.0.1:9901", null));
        assertNotNull(g.refusal("[::1]x:9901", null));
    }

    @Test
    void aWildcardBindTakesAnyLocalLiteralButNoName() throws Exception {
        InetAddress mine = InetAddress.getByName("192.0.2.10");
        AdminGuard g = new AdminGuard(at("0.0.0.0", 9901), a -> a.equals(mine));
        assertNull(g.refusal("192.0.2.10:9901", null));
        assertNull(g.refusal("127.0.0.1:9901", null));
        assertNull(g.refusal("localhost:9901", null));
        assertNotNull(g.refusal("192.0.2.11:9901", null));
        assertNotNull(g.refusal("evil.example:9901", null));
        assertNotNull(g.refusal("192.0.2.10:80", null));
    }
}
