package dev.forkd.supervisor.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small CA and the certificates the TLS tests need, made with the `openssl` command into a
 * directory at test time (never committed): server certificates with RSA or ECDSA P-256 keys, in
 * PKCS#8 or traditional form, with SANs; client certificates for mutual TLS. Valid for two days.
 * Shared with dist's TlsIT through the supervisor's test-jar.
 */
public final class TestCertificates {
    public enum KeyType { RSA, EC }

    /** PKCS#8 ("PRIVATE KEY") or traditional (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"). */
    public enum KeyFormat { PKCS8, TRADITIONAL }

    /** A certificate file (the leaf, then the CA: a full chain) and its key file. */
    public record Pair(Path cert, Path key) {
    }

    private final Path dir;
    private final Path caCert;
    private final Path caKey;
    private int serial;

    private TestCertificates(Path dir, Path caCert, Path caKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
    }

    /** A new CA named {@code name} in {@code dir}. */
    public static TestCertificates authority(Path dir, String name) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String base = fileName(name);
        Path key = key(dir.resolve(base + "-ca.key"), KeyType.EC);
        Path cert = dir.resolve(base + "-ca.pem");
        openssl(dir, "req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-days", "2", "-out", cert.toString(),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new TestCertificates(dir, cert, key);
    }

    public Path caCert() {
        return caCert;
    }

    /** A server certificate for {@code dnsNames} (the first is also its CN). */
    public Pair server(KeyType type, KeyFormat format, String... dnsNames) throws IOException, InterruptedException {
        return issue(dnsNames[0], type, format, "serverAuth", dnsNames);
    }

    /** A client certificate whose subject CN is {@code cn}. */
    public Pair client(String cn) throws IOException, InterruptedException {
        return issue(cn, KeyType.EC, KeyFormat.PKCS8, "clientAuth");
    }

    private Pair issue(String cn, KeyType type, KeyFormat format, String usage, String... dnsNames) throws IOException, InterruptedException {
        String base = fileName(cn) + "-" + type.name().toLowerCase() + "-" + format.name().toLowerCase() + "-" + (++serial);
        Path key = key(dir.resolve(base + ".key"), type);
        if (format == KeyFormat.TRADITIONAL) {
            Path pkcs8 = dir.resolve(base + ".pkcs8.key");
            Files.move(key, pkcs8);
            openssl(dir, "pkey", "-in", pkcs8.toString(), "-traditional", "-out", key.toString());
        }
        Path csr = dir.resolve(base + ".csr");
        openssl(dir, "req", "-new", "-key", key.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
        List<String> ext = new ArrayList<>(List.of("basicConstraints=CA:FALSE", "extendedKeyUsage=" + usage));
        if (dnsNames.length > 0) {
            ext.add("subjectAltName=DNS:" + String.join(",DNS:", dnsNames));
        }
        Path extFile = Files.writeString(dir.resolve(base + ".ext"), String.join("\n", ext) + "\n");
        Path leaf = dir.resolve(base + ".leaf.pem");
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Long.toString(System.nanoTime() & 0xFFFFFFFFL), "-days", "2", "-extfile", extFile.toString(), "-out", leaf.toString());
        Path chain = dir.resolve(base + ".pem");
        Files.writeString(chain, Files.readString(leaf) + Files.readString(caCert));
        return new Pair(chain, key);
    }

    /** {@code pair} as a PKCS#12 key store with the password "test", for a JDK SSLContext in a test. */
    public Path pkcs12(Pair pair) throws IOException, InterruptedException {
        Path p12 = dir.resolve(pair.cert().getFileName() + ".p12");
        openssl(dir, "pkcs12", "-export", "-in", pair.cert().toString(), "-inkey", pair.key().toString(), "-out", p12.toString(),
                "-passout", "pass:test");
        return p12;
    }

    private static Path key(Path file, KeyType type) throws IOException, InterruptedException {
        if (type == KeyType.RSA) {
            openssl(file.getParent(), "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file.toString());
        } else {
            openssl(file.getParent(), "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file.toString());
        }
        return file;
    }

    private static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /** Runs `openssl ARGS`; its output goes into the exception if it fails. */
    public static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Commands.Result r = Commands.run(command, "", java.time.Duration.ofSeconds(60));
        if (r.exit() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output();
    }
}
