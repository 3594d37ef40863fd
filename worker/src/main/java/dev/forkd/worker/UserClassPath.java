package dev.forkd.worker;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The class loader for user handlers: {@code --worker-classpath} on top of forkd's own classes. */
final class UserClassPath {
    private UserClassPath() {
    }

    static ClassLoader loader(String classPath) throws BootException {
        ClassLoader parent = WorkerMain.class.getClassLoader();
        if (classPath == null || classPath.isBlank()) {
            return parent;
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath();
            if (!Files.exists(p)) {
                throw new BootException("--worker-classpath entry " + p + " does not exist");
            }
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new BootException("--worker-classpath entry " + p + " is not a usable path", e);
            }
        }
        return new URLClassLoader("forkd-user-handlers", urls.toArray(new URL[0]), parent);
    }
}
