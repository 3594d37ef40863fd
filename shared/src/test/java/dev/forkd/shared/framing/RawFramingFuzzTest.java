package dev.forkd.shared.framing;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the RAW decoder: each read is one frame, passed through whole. The properties are in
 * {@link FramingFuzz}; the input format in {@link dev.forkd.shared.FuzzInput}. Seeds: {@code
 * RawFramingFuzzTestInputs/decode/}.
 */
class RawFramingFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        FramingFuzz.run(Framing.RAW, data);
    }
}
