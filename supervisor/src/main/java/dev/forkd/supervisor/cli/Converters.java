package dev.forkd.supervisor.cli;

import dev.forkd.supervisor.Model;
import dev.forkd.shared.Durations;
import dev.forkd.shared.Sizes;
import dev.forkd.shared.framing.Framing;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for forkd's value syntaxes; their messages are what the user sees. */
public final class Converters {
    private Converters() {
    }

    /** Turns a parser's IllegalArgumentException into picocli's conversion error, keeping its message. */
    private abstract static class Parsing<T> implements ITypeConverter<T> {
        private final java.util.function.Function<String, T> parser;

        Parsing(java.util.function.Function<String, T> parser) {
            this.parser = parser;
        }

        @Override
        public T convert(String value) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    public static final class DurationConverter extends Parsing<Duration> {
        DurationConverter() {
            super(Durations::parse);
        }
    }

    public static final class SizeConverter extends Parsing<Integer> {
        SizeConverter() {
            super(Sizes::parseInt);
        }
    }

    /** A rate in bytes per second: {@code 100B/s}, {@code 1KiB/s}. */
    static final class RateConverter extends Parsing<Long> {
        RateConverter() {
            super(Converters::parseRate);
        }
    }

    static long parseRate(String text) {
        String t = text == null ? "" : text.trim();
        if (!t.endsWith("/s")) {
            throw new IllegalArgumentException("'" + text + "' is not a rate (use e.g. 100B/s, 1KiB/s)");
        }
        return Sizes.parse(t.substring(0, t.length() - 2));
    }

    public static final class FramingConverter extends Parsing<Framing> {
        FramingConverter() {
            super(Framing::parse);
        }
    }

    public static final class ModelConverter extends Parsing<Model> {
        ModelConverter() {
            super(Model::parse);
        }
    }

    public static final class WorkerJitConverter extends Parsing<dev.forkd.supervisor.launch.WorkerJit> {
        WorkerJitConverter() {
            super(dev.forkd.supervisor.launch.WorkerJit::parse);
        }
    }
}
