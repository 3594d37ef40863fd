package dev.forkd.supervisor.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static InetAddress mapped(int a, int b, int c, int d) throws Exception {
        // built from bytes: InetAddress.getByName would already turn the literal into IPv4
        return java.net.Inet6Address.getByAddress(null,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) a, (byte) b, (byte) c, (byte) d}, -1);
    }

    @Test
    void ipv4Ranges() throws Exception {
        Cidr c = Cidr.parse("10.1.0.0/16");
        assertTrue(c.contains(ip("10.1.0.0")));
        assertTrue(c.contains(ip("10.1.255.255")));
        assertFalse(c.contains(ip("10.2.0.1")));
        assertFalse(c.contains(ip("::1")));
        assertTrue(Cidr.parse("127.0.0.0/8").contains(ip("127.200.3.4")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("6.6.6.6")));
        assertTrue(Cidr.parse("127.0.0.2/32").contains(ip("127.0.0.2")));
        assertFalse(Cidr.parse("127.0.0.2/32").contains(ip("127.0.0.1")));
        assertTrue(Cidr.parse("192.0.2.7").contains(ip("192.0.2.7")), "a bare address is a range of one");
        assertTrue(Cidr.parse("10.1.2.3/12").contains(ip("10.15.0.1")), "host bits in the range are ignored");
        assertTrue(Cidr.parse("10.0.0.0/9").contains(ip("10.127.0.1")));
        assertFalse(Cidr.parse("10.0.0.0/9").contains(ip("10.128.0.1")));
    }

    @Test
    void ipv6Ranges() throws Exception {
        Cidr c = Cidr.parse("2001:db8::/32");
        assertTrue(c.contains(ip("2001:db8:ffff::1")));
        assertFalse(c.contains(ip("2001:db9::1")));
        assertFalse(c.contains(ip("10.0.0.1")));
        assertTrue(Cidr.parse("::1/128").contains(ip("::1")));
        assertFalse(Cidr.parse("::1/128").contains(ip("::2")));
        assertTrue(Cidr.parse("::/0").contains(ip("fe80::1")));
    }

    @Test
    void ipv4MappedAddressesMatchIpv4RangesAndBack() throws Exception {
        assertTrue(Cidr.parse("127.0.0.0/8").contains(mapped(127, 0, 0, 1)));
        assertFalse(Cidr.parse("127.0.0.0/8").contains(mapped(128, 0, 0, 1)));
        assertTrue(Cidr.parse("::ffff:10.0.0.0/104").contains(ip("10.9.9.9")));
        assertFalse(Cidr.parse("::ffff:10.0.0.0/104").contains(ip("11.0.0.1")));
        assertTrue(Cidr.parse("::ffff:10.0.0.0/104").contains(mapped(10, 1, 1, 1)));
    }

    @Test
    void badRangesAreRefusedWithTheReason() {
        assertEquals("'example.com' is not an address range (e.g. 10.0.0.0/8 or 2001:db8::/32)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage().contains("longer than the address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::/129")).getMessage().contains("longer than the address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x")).getMessage().contains("bad prefix length"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/")).getMessage().contains("bad prefix length"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("300.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::ffff:10.0.0.0/90"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(""));
    }

    @Test
    void anyOfAList() throws Exception {
        List<Cidr> loopback = Cidr.parseAll(List.of("127.0.0.0/8", "::1/128"));
        assertTrue(Cidr.anyContains(loopback, ip("127.0.0.1")));
        assertTrue(Cidr.anyContains(loopback, ip("::1")));
        assertFalse(Cidr.anyContains(loopback, ip("192.0.2.1")));
        assertFalse(Cidr.anyContains(loopback, null));
    }
}
