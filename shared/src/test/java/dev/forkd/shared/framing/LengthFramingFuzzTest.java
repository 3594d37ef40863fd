package dev.forkd.shared.framing;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the LENGTH decoder: 4-byte big-endian length prefixes, limit = the parameter byte (0:
 * 1024); a 2 GiB prefix must fail at once. The properties are in {@link FramingFuzz}; the input
 * format in {@link dev.forkd.shared.FuzzInput}. Seeds: {@code
 * LengthFramingFuzzTestInputs/decode/}.
 */
class LengthFramingFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        FramingFuzz.run(Framing.LENGTH, data);
    }
}
