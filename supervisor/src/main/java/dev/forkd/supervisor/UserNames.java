package dev.forkd.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A uid's user name from /etc/passwd, for log lines (the JDK looks users up by name only); the number where there is none. */
final class UserNames {
    private UserNames() {
    }

    static String of(int uid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8);
            for (String l : lines) {
                String[] f = l.split(":", -1);
                if (f.length > 2 && f[2].equals(Integer.toString(uid))) {
                    return f[0];
                }
            }
        } catch (IOException e) {
            // a name is only a nicety here: the uid says the same
            return "uid " + uid;
        }
        return "uid " + uid;
    }
}
