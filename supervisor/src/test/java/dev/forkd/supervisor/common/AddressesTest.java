package dev.forkd.supervisor.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
    private static String f(String host, int port) throws Exception {
        return Addresses.format(new InetSocketAddress(InetAddress.getByName(host), port));
    }

    @Test
    void formatsLikeRfc5952() throws Exception {
        assertEquals("127.0.0.1:8888", f("127.0.0.1", 8888));
        assertEquals("[::1]:8888", f("::1", 8888));
        assertEquals("[::]:80", f("::", 80));
        assertEquals("[2001:db8::1]:1", f("2001:db8:0:0:0:0:0:1", 1));
        assertEquals("[2001:db8:0:1:1:1:1:1]:1", f("2001:db8:0:1:1:1:1:1", 1));
        assertEquals("[2001:0:0:1::1]:1", f("2001:0:0:1:0:0:0:1", 1));
        assertEquals("[fe80::1:0:0:2]:1", f("fe80:0:0:0:1:0:0:2", 1));
    }
}
