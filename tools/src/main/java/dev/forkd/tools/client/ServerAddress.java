package dev.forkd.tools.client;

import dev.forkd.supervisor.cli.HostPort;
import dev.forkd.supervisor.common.Addresses;
import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The server {@code forkd client} and {@code forkd bench} connect to, written {@code HOST:PORT},
 * {@code [IPv6]:PORT} or {@code :PORT} (127.0.0.1). The syntax is {@link HostPort}'s, as for
 * {@code --admin}; on top of it, port 0 is refused, since it can be bound but not connected to.
 * A name that does not resolve is reported when connecting, where the user expects it.
 */
public record ServerAddress(InetSocketAddress address) {
    static final String DEFAULT_HOST = "127.0.0.1";

    /** @throws IllegalArgumentException with a message fit for a user */
    public static ServerAddress parse(String text) {
        InetSocketAddress a = HostPort.parse(text.trim(), DEFAULT_HOST);
        if (a.getPort() == 0) {
            throw new IllegalArgumentException("port 0 cannot be connected to (use 1 to 65535)");
        }
        return new ServerAddress(a);
    }

    /** As in forkd's logs: {@code 127.0.0.1:8888}, {@code [::1]:8888}, or the name if it did not resolve. */
    @Override
    public String toString() {
        return Addresses.format(address);
    }

    /** For picocli: a bad address is a command-line error (exit 2) with the parser's message. */
    public static final class Converter implements ITypeConverter<ServerAddress> {
        @Override
        public ServerAddress convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
