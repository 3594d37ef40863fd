package dev.forkd.it;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import org.testcontainers.containers.output.OutputFrame;

/** A container's log, kept in target/it-logs/NAME.log and waited on line by line. */
final class ContainerLog implements Consumer<OutputFrame>, AutoCloseable {
    // a container's log has no end to wait for: its waits run to their deadlines
    private final LogLines lines = new LogLines("container log", () -> null);
    private final PrintWriter file;

    ContainerLog(String name) throws IOException {
        Path path = Path.of("target", "it-logs", name + ".log");
        Files.createDirectories(path.getParent());
        file = new PrintWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8), true);
    }

    @Override
    public void accept(OutputFrame frame) {
        if (frame.getType() == OutputFrame.OutputType.END) {
            return;
        }
        // the engine sends the log a line at a time
        for (String line : frame.getUtf8String().split("\n")) {
            synchronized (file) {
                file.println(line);
            }
            lines.add(line);
        }
    }

    Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
        return lines.awaitLine(regex, timeout);
    }

    long countLines(String regex) {
        return lines.countLines(regex);
    }

    String text() {
        return lines.text();
    }

    @Override
    public void close() {
        synchronized (file) {
            file.close();
        }
    }
}
