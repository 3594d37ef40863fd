package dev.forkd.supervisor.listen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code 2001:db8::/32} (--trusted-proxy). An
 * IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) is the IPv4 address it maps, on either side,
 * so that a dual-stack listener's peers match the IPv4 ranges that name them.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code ADDRESS/PREFIX}, or a bare address (a range of one). Only literals: no name
     * is ever looked up.
     *
     * @throws IllegalArgumentException with a message that names what is wrong
     */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = literal(addr, text);
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("bad prefix length in '" + text + "'");
            }
            prefix = Integer.parseInt(p);
            if (mappedV4(addr, bytes.length)) {
                // ::ffff:a.b.c.d/104 is a.b.c.d/8
                prefix -= 96;
                if (prefix < 0) {
                    throw new IllegalArgumentException("prefix length of '" + text + "' reaches outside the IPv4-mapped range");
                }
            }
            if (prefix > max) {
                throw new IllegalArgumentException("prefix length " + p + " of '" + text + "' is longer than the address (" + max + " bits)");
            }
        }
        byte[] network = bytes.clone();
        for (int bit = prefix; bit < max; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(network, prefix, text.trim());
    }

    /** Parses each range; the first bad one fails the whole list. */
    public static List<Cidr> parseAll(List<String> texts) {
        List<Cidr> all = new ArrayList<>(texts.size());
        for (String t : texts) {
            all.add(parse(t));
        }
        return List.copyOf(all);
    }

    /** True if {@code address} lies in any of {@code ranges}. */
    static boolean anyContains(List<Cidr> ranges, InetAddress address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = normalise(address.getAddress());
        if (a.length != network.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (network[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }

    private static byte[] literal(String addr, String text) {
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.contains(":") && addr.matches("[0-9a-fA-F:.]+");
        if (v4) {
            for (String octet : addr.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    // checked here: getByName would take it for a host name and look it up
                    throw new IllegalArgumentException("bad IPv4 address in '" + text + "'");
                }
            }
        }
        if (!v4 && !v6) {
            throw new IllegalArgumentException("'" + text + "' is not an address range (e.g. 10.0.0.0/8 or 2001:db8::/32)");
        }
        try {
            // a literal, as checked above: getByName does no lookup for it (and returns an
            // IPv4-mapped literal as IPv4 already; normalise covers raw bytes from elsewhere)
            return normalise(InetAddress.getByName(addr).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address in '" + text + "'");
        }
    }

    /** Whether the text was an IPv6 literal that became IPv4 (IPv4-mapped); its prefix counts the 96 bits before. */
    private static boolean mappedV4(String addr, int length) {
        return length == 4 && addr.contains(":");
    }

    /** The IPv4 address an IPv4-mapped IPv6 address stands for; any other address unchanged. */
    private static byte[] normalise(byte[] a) {
        if (a.length != 16) {
            return a;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return a;
            }
        }
        if (a[10] != (byte) 0xFF || a[11] != (byte) 0xFF) {
            return a;
        }
        return new byte[] {a[12], a[13], a[14], a[15]};
    }
}
