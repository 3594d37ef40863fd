package dev.forkd.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the manifests must agree with in scripts/docker/Dockerfile: the forkd user's uid and the supervisor's heap. */
record DockerfileFacts(long uid, long supervisorHeapBytes) {
    private static final Pattern UID = Pattern.compile("(?m)^ARG FORKD_UID=(\\d+)\\s*$");
    private static final Pattern ENTRYPOINT = Pattern.compile("(?m)^ENTRYPOINT (.*)$");

    static DockerfileFacts read(Path dockerfile) throws IOException {
        String text = Files.readString(dockerfile);
        Matcher uid = UID.matcher(text);
        if (!uid.find()) {
            throw new IllegalStateException(dockerfile + " has no `ARG FORKD_UID=N` line");
        }
        Matcher entrypoint = ENTRYPOINT.matcher(text);
        if (!entrypoint.find()) {
            throw new IllegalStateException(dockerfile + " has no ENTRYPOINT line");
        }
        long heap = JvmHeap.lastXmx(entrypoint.group(1));
        if (heap < 0) {
            throw new IllegalStateException(dockerfile + ": the ENTRYPOINT gives the supervisor no -Xmx");
        }
        return new DockerfileFacts(Long.parseLong(uid.group(1)), heap);
    }
}
