package dev.forkd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles a user handler against forkd.jar and jars it, as a user would, for --worker-classpath. */
final class HandlerJars {
    /** Replies with the client address the worker got from the PROXY header: {@code ip:port\n}. */
    static final String WHERE = "package com.example;\n"
            + "import dev.forkd.api.*; import java.nio.ByteBuffer;\n"
            + "public class Where implements Handler {\n"
            + "  public void onMessage(Connection c, ByteBuffer m) throws Exception {\n"
            + "    String a = c.clientAddress() == null ? \"none\" : c.clientAddress().getAddress().getHostAddress() + \":\" + c.clientAddress().getPort();\n"
            + "    c.reply(ByteBuffer.wrap((a + \"\\n\").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));\n"
            + "  }\n"
            + "}\n";

    private HandlerJars() {
    }

    static Path build(Path dir, String className, String source) throws IOException {
        Path src = dir.resolve("src").resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-cp", ForkdProcess.jar().toString(), src.toString());
        assertEquals(0, rc, "the test handler compiles");
        Path jar = dir.resolve(className.substring(className.lastIndexOf('.') + 1) + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            String entry = className.replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(classes.resolve(entry)));
            out.closeEntry();
        }
        return jar;
    }
}
