package dev.forkd.shared.compute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * The compute-bound work of the built-in handlers {@code sha256} and {@code json}, kept here so
 * that the worker's handler, the benchmark's plain-JVM server and {@code forkd bench}'s check of
 * the replies run the very same code: the benchmark compares a worker's JIT with a plain JVM's,
 * not two implementations. One instance per connection: it is not thread-safe.
 */
public final class ComputeWork {
    /** What the work does to each message. */
    public enum Kind {
        /** The SHA-256 of the message, answered as 64 lowercase hex digits. */
        SHA256,
        /** The message parsed as a JSON document (a tree) and written back, compact. */
        JSON
    }

    /** Thread-safe once configured; shared by every connection. */
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private final Kind kind;
    private final MessageDigest sha256;

    public ComputeWork(Kind kind) {
        this.kind = kind;
        try {
            this.sha256 = kind == Kind.SHA256 ? MessageDigest.getInstance("SHA-256") : null;
        } catch (NoSuchAlgorithmException e) {
            // every JDK has SHA-256 (a required algorithm of the platform)
            throw new IllegalStateException(e);
        }
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The reply to {@code message}, which is consumed.
     *
     * @throws IOException when the work is JSON and the message is not a JSON document
     */
    public byte[] apply(ByteBuffer message) throws IOException {
        switch (kind) {
            case SHA256:
                sha256.update(message);
                return HEX.formatHex(sha256.digest()).getBytes(StandardCharsets.US_ASCII);
            case JSON:
                JsonNode tree;
                if (message.hasArray()) {
                    tree = MAPPER.readTree(message.array(), message.arrayOffset() + message.position(), message.remaining());
                } else {
                    byte[] copy = new byte[message.remaining()];
                    message.get(message.position(), copy);
                    tree = MAPPER.readTree(copy);
                }
                message.position(message.limit());
                if (tree == null || tree.isMissingNode()) {
                    throw new IOException("an empty message is not a JSON document");
                }
                return MAPPER.writeValueAsBytes(tree);
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    /** The reply to {@code payload}, for checking replies (a fresh instance: thread-safe). */
    public static byte[] expectedReply(Kind kind, byte[] payload) {
        try {
            return new ComputeWork(kind).apply(ByteBuffer.wrap(payload));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shortest document {@link #document} makes. */
    public static final int MIN_DOCUMENT = 16;

    /**
     * A compact JSON document of exactly {@code size} bytes, the same for the same seed: records of
     * strings, numbers, booleans, nulls and arrays (a typical API payload), padded to the size with
     * one string. Written as Jackson writes it, so that {@link Kind#JSON} answers it unchanged.
     */
    public static byte[] document(int size, long seed) {
        if (size < MIN_DOCUMENT) {
            throw new IllegalArgumentException("a JSON document of at least " + MIN_DOCUMENT + " bytes, not " + size);
        }
        Random random = new Random(seed);
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", seed);
        ArrayNode items = root.putArray("items");
        // the padding field adds ,"pad":"" (9 bytes) and its text
        while (true) {
            ObjectNode item = MAPPER.createObjectNode();
            item.put("sku", "sku-" + Integer.toString(random.nextInt(1 << 30), 36));
            item.put("name", words(random, 2 + random.nextInt(4)));
            item.put("qty", random.nextInt(1000));
            item.put("price", random.nextInt(100_000) / 100.0);
            item.put("active", random.nextBoolean());
            item.putNull("note");
            ArrayNode tags = item.putArray("tags");
            for (int i = random.nextInt(4); i > 0; i--) {
                tags.add(words(random, 1));
            }
            items.add(item);
            if (length(root) + 9 > size) {
                items.remove(items.size() - 1);
                break;
            }
        }
        int pad = size - length(root) - 9;
        if (pad < 0) {
            // even the record-less document is too long for this size: a bare padded object
            root = MAPPER.createObjectNode();
            pad = size - length(root) - 8; // no comma before the only field
        }
        root.put("pad", "x".repeat(pad));
        byte[] doc = bytes(root);
        if (doc.length != size) {
            throw new IllegalStateException("made a " + doc.length + "-byte document, not " + size);
        }
        return doc;
    }

    private static String words(Random random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < n; w++) {
            if (w > 0) {
                sb.append(' ');
            }
            for (int i = 3 + random.nextInt(6); i > 0; i--) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
        }
        return sb.toString();
    }

    private static int length(JsonNode node) {
        return bytes(node).length;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            // a tree of plain values always serialises
            throw new UncheckedIOException(e);
        }
    }
}
