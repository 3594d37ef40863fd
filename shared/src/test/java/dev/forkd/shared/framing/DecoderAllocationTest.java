package dev.forkd.shared.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.forkd.shared.FuzzInput;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a decoder allocates when a client announces a huge frame, measured with the thread's
 * allocation counter: it must follow the bytes that actually arrive and the frame limit, never
 * the announced length (2 GiB here).
 */
class DecoderAllocationTest {
    private static final int KIB = 1024;
    private static final FrameSink<RuntimeException> NONE = f -> {
    };

    @BeforeAll
    static void measurable() {
        assumeTrue(FuzzInput.allocatedBytes() >= 0, "this JVM cannot count a thread's allocations");
        // load and link everything once, so that class loading is not counted below
        for (Framing f : Framing.values()) {
            FrameDecoder d = Framings.decoder(f, 16, 4);
            try {
                d.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 1, 'x', '\n', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y', 'y'}), NONE);
            } catch (FramingException e) {
                // expected for LINE (the last line is over 16) and JSON (these bytes are not JSON)
            }
            d.finish();
        }
    }

    /** Decoding that should be refused. */
    private interface Decoding {
        void run() throws FramingException;
    }

    /**
     * The refusal {@code decoding} ends in. Not assertThrows: its lambda is linked (a hidden class
     * spun) the first time it runs, which the allocation counter would charge to the decoder.
     * Callers create their lambda before they start to count.
     */
    private static FrameTooLargeException refusal(Decoding decoding) {
        try {
            decoding.run();
        } catch (FrameTooLargeException e) {
            return e;
        } catch (FramingException e) {
            throw new AssertionError("refused, but not as too large", e);
        }
        throw new AssertionError("not refused");
    }

    private static ByteBuffer prefix(long announced) {
        return ByteBuffer.allocate(4).putInt(0, (int) announced);
    }

    @Test
    void aTwoGibPrefixOverTheLimitFailsAtOnceAllocatingAlmostNothing() {
        FrameDecoder d = Framings.decoder(Framing.LENGTH, 1024, 0);
        ByteBuffer in = prefix(1L << 31);
        Decoding prefixOnly = () -> d.decode(in, NONE);
        long before = FuzzInput.allocatedBytes();
        FrameTooLargeException e = refusal(prefixOnly);
        long used = FuzzInput.allocatedBytes() - before;
        assertEquals(1024, e.limit());
        assertTrue(used < 64 * KIB, "allocated " + used + " bytes refusing a 2 GiB frame");
    }

    @Test
    void aTwoGibFrameUnderTheLimitCostsWhatArrivesNotWhatIsAnnounced() throws FramingException {
        // the largest limit there is: the prefix (2 GiB - 1) is allowed, so the decoder starts to collect it
        FrameDecoder d = Framings.decoder(Framing.LENGTH, Integer.MAX_VALUE, 0);
        byte[] read = new byte[4 * KIB];
        Arrays.fill(read, (byte) 'x');
        long before = FuzzInput.allocatedBytes();
        d.decode(prefix(Integer.MAX_VALUE), NONE);
        for (int i = 0; i < 16; i++) {
            d.decode(ByteBuffer.wrap(read), NONE);
        }
        long used = FuzzInput.allocatedBytes() - before;
        int arrived = 16 * read.length;
        assertTrue(used < 4L * arrived + 64 * KIB, "allocated " + used + " bytes for " + arrived + " arrived of 2 GiB announced");
        assertTrue(((LengthDecoder) d).bufferCapacity() <= 2 * arrived);
        assertEquals(4 + arrived, d.finish());
    }

    @Test
    void aLineThatNeverEndsCostsAtMostTheLimit() {
        FrameDecoder d = Framings.decoder(Framing.LINE, 1024, 0);
        byte[] read = new byte[4 * KIB];
        Arrays.fill(read, (byte) 'x');
        Decoding lines = () -> {
            for (int i = 0; i < 512; i++) { // 2 MiB, if it were let through
                d.decode(ByteBuffer.wrap(read, 0, 100), NONE);
            }
        };
        long before = FuzzInput.allocatedBytes();
        FrameTooLargeException e = refusal(lines);
        long used = FuzzInput.allocatedBytes() - before;
        assertEquals(1024, e.limit());
        assertTrue(used < 64 * KIB, "allocated " + used + " bytes for a line over a 1 KiB limit");
        assertTrue(((LineDecoder) d).bufferCapacity() <= 1025);
    }

    @Test
    void aLongLineUnderAHugeLimitCostsWhatArrives() throws FramingException {
        FrameDecoder d = Framings.decoder(Framing.LINE, Integer.MAX_VALUE, 0);
        byte[] read = new byte[4 * KIB];
        Arrays.fill(read, (byte) 'x');
        long before = FuzzInput.allocatedBytes();
        for (int i = 0; i < 16; i++) {
            d.decode(ByteBuffer.wrap(read), NONE);
        }
        long used = FuzzInput.allocatedBytes() - before;
        int arrived = 16 * read.length;
        assertTrue(used < 4L * arrived + 64 * KIB, "allocated " + used + " bytes for a line of " + arrived);
    }

    @Test
    void aFixedRecordCostsAtMostItsSize() throws FramingException {
        FrameDecoder d = Framings.decoder(Framing.FIXED, 1, 1 << 20);
        byte[] read = new byte[KIB];
        long before = FuzzInput.allocatedBytes();
        for (int i = 0; i < 8; i++) {
            d.decode(ByteBuffer.wrap(read), NONE);
        }
        long used = FuzzInput.allocatedBytes() - before;
        assertTrue(used < 4L * 8 * KIB + 64 * KIB, "allocated " + used + " bytes for 8 KiB of a 1 MiB record");
    }
}
