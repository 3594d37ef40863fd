package dev.forkd.shared.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ComputeWorkTest {
    private static String sha(String text) throws IOException {
        return new String(new ComputeWork(ComputeWork.Kind.SHA256).apply(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII))),
                StandardCharsets.US_ASCII);
    }

    @Test
    void sha256IsTheHexDigestOfEachMessageOnItsOwn() throws IOException {
        // FIPS 180-2's example
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha("abc"));
        ComputeWork one = new ComputeWork(ComputeWork.Kind.SHA256);
        byte[] first = one.apply(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(first, one.apply(ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII))), "no state carried between messages");
        ByteBuffer direct = ByteBuffer.allocateDirect(3).put("abc".getBytes(StandardCharsets.US_ASCII)).flip();
        assertArrayEquals(first, one.apply(direct));
        assertEquals(0, direct.remaining(), "the message is consumed");
    }

    @Test
    void jsonAnswersTheDocumentCompactAndRefusesWhatIsNotJson() throws IOException {
        ComputeWork json = new ComputeWork(ComputeWork.Kind.JSON);
        byte[] reply = json.apply(ByteBuffer.wrap("{ \"a\" : [1, 2.5, true, null], \"b\": \"x\" }".getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"a\":[1,2.5,true,null],\"b\":\"x\"}", new String(reply, StandardCharsets.UTF_8));
        ByteBuffer sliced = ByteBuffer.wrap("xx[1]yy".getBytes(StandardCharsets.US_ASCII), 2, 3);
        assertEquals("[1]", new String(json.apply(sliced.slice()), StandardCharsets.US_ASCII), "an array's offset is honoured");
        assertThrows(IOException.class, () -> json.apply(ByteBuffer.wrap("{\"a\":".getBytes(StandardCharsets.US_ASCII))));
        assertThrows(IOException.class, () -> json.apply(ByteBuffer.allocate(0)));
    }

    @Test
    void documentsHaveTheSizeAskedForAndComeBackUnchanged() {
        for (int size : new int[] {ComputeWork.MIN_DOCUMENT, 17, 40, 100, 2048, 4096, 65536}) {
            byte[] doc = ComputeWork.document(size, 7);
            assertEquals(size, doc.length, new String(doc, StandardCharsets.UTF_8));
            assertArrayEquals(doc, ComputeWork.expectedReply(ComputeWork.Kind.JSON, doc), "the round trip is the identity");
            assertArrayEquals(doc, ComputeWork.document(size, 7), "the same for the same seed");
        }
        assertThrows(IllegalArgumentException.class, () -> ComputeWork.document(ComputeWork.MIN_DOCUMENT - 1, 1));
    }
}
