package dev.forkd.shared.framing;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the FIXED decoder: records of the parameter byte's size (0: 16). The properties are in
 * {@link FramingFuzz}; the input format in {@link dev.forkd.shared.FuzzInput}. Seeds: {@code
 * FixedFramingFuzzTestInputs/decode/}.
 */
class FixedFramingFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        FramingFuzz.run(Framing.FIXED, data);
    }
}
