package dev.forkd.supervisor.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

/** What the tests of netty-codec-haproxy's decoder share. */
final class NettyChannels {
    private NettyChannels() {
    }

    /** The messages of an exception and its causes: netty wraps the one that says what was wrong. */
    static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(b.length() > 0 ? " <- " : "").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    static void finish(EmbeddedChannel ch) {
        try {
            ch.finishAndReleaseAll();
        } catch (DecoderException e) {
            // what the decoder makes of the rest as the channel closes: the refusal already seen is what counts
            assertFalse(ch.isOpen(), chain(e));
        }
    }
}
