package dev.forkd.shared.framing;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the LINE decoder: LF-terminated lines, a CR before the LF dropped, limit = the parameter
 * byte (0: 1024). The properties are in {@link FramingFuzz}; the input format in {@link
 * dev.forkd.shared.FuzzInput}. Seeds: {@code LineFramingFuzzTestInputs/decode/}.
 */
class LineFramingFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        FramingFuzz.run(Framing.LINE, data);
    }
}
