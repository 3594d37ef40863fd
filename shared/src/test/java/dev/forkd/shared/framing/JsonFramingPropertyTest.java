package dev.forkd.shared.framing;

import static dev.forkd.shared.framing.Streams.oddBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random valid streams of JSON values, random reads: the decoder delivers exactly the values that
 * were written, byte for byte, and each is valid JSON to Jackson's blocking parser. Fixed seeds,
 * so a failure reproduces.
 */
class JsonFramingPropertyTest {
    private static final String[] BLANKS = {"", " ", "\n", "\r\n", "\t", "  \n  "};
    private static final String[] NUMBERS = {"0", "-0", "7", "-12", "3.25", "-0.5e-3", "1E+9", "6.02e23", "123456789012345678901234567890"};
    private static final String[] STRINGS = {"", "a", "ping", "h\\u00e9llo", "\\\"q\\\"", "tab\\tnl\\n", "\u00e9\u4e2d\ud83d\ude00", "\\\\", "} ] , :"};

    private record Case(byte[] stream, List<String> values) {
    }

    private static Case randomCase(Random r, int count) {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String v = value(r, 0);
            values.add(v);
            s.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            // a number, true, false or null only ends at a delimiter; strings and brackets end themselves
            String blank = BLANKS[r.nextInt(BLANKS.length)];
            char last = v.charAt(v.length() - 1);
            if (blank.isEmpty() && last != '"' && last != '}' && last != ']') {
                blank = " ";
            }
            s.writeBytes(blank.getBytes(StandardCharsets.UTF_8));
        }
        return new Case(s.toByteArray(), values);
    }

    private static String value(Random r, int depth) {
        int kind = r.nextInt(depth > 4 ? 4 : 7);
        switch (kind) {
            case 0:
                return NUMBERS[r.nextInt(NUMBERS.length)];
            case 1:
                return "\"" + STRINGS[r.nextInt(STRINGS.length)] + "\"";
            case 2:
                return new String[] {"true", "false", "null"}[r.nextInt(3)];
            case 3:
                return r.nextBoolean() ? "{\"type\":\"ping\"}" : "{ \"type\" : \"ping\" }";
            case 4:
            case 5: {
                StringBuilder b = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append(BLANKS[r.nextInt(BLANKS.length)]).append(value(r, depth + 1));
                }
                return b.append(BLANKS[r.nextInt(BLANKS.length)]).append("]").toString();
            }
            default: {
                StringBuilder b = new StringBuilder("{");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? ", " : "").append("\"").append(STRINGS[r.nextInt(STRINGS.length)]).append(i).append("\"")
                            .append(BLANKS[r.nextInt(BLANKS.length)]).append(":").append(value(r, depth + 1));
                }
                return b.append("}").toString();
            }
        }
    }

    private static List<String> decodeInRandomReads(Random r, byte[] stream) throws FramingException {
        FrameDecoder d = Framings.decoder(Framing.JSON, 1 << 16, 0);
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos < stream.length) {
            int left = stream.length - pos;
            int n = switch (r.nextInt(4)) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(Math.min(left, 8));
                case 2 -> 1 + r.nextInt(Math.min(left, 200));
                default -> left;
            };
            ByteBuffer b = oddBuffer(r, stream, pos, pos + n);
            d.decode(b, f -> out.add(utf8(f)));
            assertEquals(b.limit(), b.position());
            pos += n;
        }
        assertEquals(0, d.finish(f -> out.add(utf8(f))), "nothing left over");
        return out;
    }

    private static String utf8(ByteBuffer f) {
        byte[] a = new byte[f.remaining()];
        f.duplicate().get(a);
        JsonFramingFuzz.assertOneValue(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    @Test
    void randomReadsOfValidStreamsGiveBackEveryValueExactly() throws FramingException {
        for (long seed = 1; seed <= 300; seed++) {
            Random r = new Random(seed);
            Case c = randomCase(r, 1 + r.nextInt(40));
            assertEquals(c.values(), decodeInRandomReads(r, c.stream()), "seed " + seed);
        }
    }

    @Test
    void everyCutOfAStreamGivesTheSameValues() throws FramingException {
        for (long seed = 1000; seed < 1010; seed++) {
            Random r = new Random(seed);
            Case c = randomCase(r, 12);
            for (int cut = 0; cut <= c.stream().length; cut++) {
                FrameDecoder d = Framings.decoder(Framing.JSON, 1 << 16, 0);
                List<String> out = new ArrayList<>();
                d.decode(oddBuffer(r, c.stream(), 0, cut), f -> out.add(utf8(f)));
                d.decode(oddBuffer(r, c.stream(), cut, c.stream().length), f -> out.add(utf8(f)));
                d.finish(f -> out.add(utf8(f)));
                assertEquals(c.values(), out, "seed " + seed + " cut at " + cut);
            }
        }
    }
}
