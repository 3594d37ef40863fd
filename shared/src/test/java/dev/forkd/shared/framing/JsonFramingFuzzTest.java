package dev.forkd.shared.framing;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the JSON decoder: a stream of JSON values, limit = the parameter byte (0: 1024). The
 * properties are in {@link JsonFramingFuzz}; the input format in {@link
 * dev.forkd.shared.FuzzInput}. Seeds: {@code JsonFramingFuzzTestInputs/decode/}.
 */
class JsonFramingFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        JsonFramingFuzz.run(data);
    }
}
