package dev.forkd.tools.bench;

import dev.forkd.tools.client.ClientCommandTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command lines of `forkd bench` that must be refused with exit 2 and one clear line. */
class BenchCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bench [::1 | is not [IPv6]:PORT",
        "bench 127.0.0.1:1 --connections 0 | --connections must be between 1 and 10000",
        "bench 127.0.0.1:1 --duration 0 | --duration must be more than 0",
        "bench 127.0.0.1:1 --size 0 | --size must be at least 1 byte",
        "bench 127.0.0.1:1 --framing json --size 1 | --size must be at least 2 bytes in json framing",
        "bench 127.0.0.1:1 --size 1MiB --connections 1000 | too much memory",
        "bench 127.0.0.1:1 --rate 0 | --rate must be at least 1",
        "bench 127.0.0.1:1 --timeout 0 | --timeout must be more than 0",
        "bench 127.0.0.1:1 --expect shout | unknown reply expectation 'shout'",
        "bench 127.0.0.1:1 --pipeline 0 --framing length | --pipeline must be between 1 and 1024",
        "bench 127.0.0.1:1 --pipeline 8 | --pipeline needs a framing that keeps messages apart",
        "bench 127.0.0.1:1 --pipeline 8 --framing length --rate 100 | --pipeline goes with a closed loop",
        "bench 127.0.0.1:1 --pipeline 1000 --framing length --size 1MiB --connections 1 | --size times --pipeline times --connections",
        "bench 127.0.0.1:1 --expect json --size 8 --framing length | --expect json sends JSON documents of --size bytes: at least 16",
    })
    void badCommandLinesExit2WithOneClearLine(String args, String message) {
        String err = ClientCommandTest.refuse(args);
        String first = err.lines().findFirst().orElse("");
        assertTrue(first.startsWith("forkd: ") && first.contains(message), err);
        assertTrue(err.contains("Try 'forkd bench --help'"), err);
        assertEquals(2, err.lines().count(), err);
    }
}
