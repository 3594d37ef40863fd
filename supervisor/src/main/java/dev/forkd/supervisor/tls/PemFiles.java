package dev.forkd.supervisor.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of --tls-cert, --tls-key and --tls-client-ca. Keys may be PKCS#8 ("PRIVATE
 * KEY") or traditional: PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY"), which are wrapped
 * into PKCS#8 here ({@link Der}) so that the JDK's KeyFactory reads them: a few lines instead of
 * BouncyCastle's 8 MB in forkd.jar. Encrypted keys are refused: forkd takes no passphrase.
 * Every failure is a {@link TlsConfigException} naming the file; the key's bytes never appear in one.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    /** rsaEncryption and id-ecPublicKey, the AlgorithmIdentifiers of a PKCS#8 key made from a traditional one. */
    private static final String RSA_OID = "1.2.840.113549.1.1.1";
    private static final String EC_OID = "1.2.840.10045.2.1";

    private record Block(String type, String headers, byte[] der) {
    }

    private PemFiles() {
    }

    /** The certificates of {@code file}, in file order (a full chain: leaf first); at least one. */
    static List<X509Certificate> certificates(Path file, String what) throws TlsConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file, what)) {
                if (b.type.equals("CERTIFICATE") || b.type.equals("TRUSTED CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
                }
            }
        } catch (CertificateException e) {
            throw new TlsConfigException(what + " " + file + ": not a valid X.509 certificate (" + e.getMessage() + ")", e);
        }
        if (certs.isEmpty()) {
            throw new TlsConfigException(what + " " + file + ": no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    /** The one private key of {@code file}: RSA or EC, PKCS#8 or traditional, unencrypted. */
    static PrivateKey privateKey(Path file) throws TlsConfigException {
        String what = "--tls-key";
        for (Block b : blocks(file, what)) {
            switch (b.type) {
                case "PRIVATE KEY":
                    return pkcs8(file, b.der);
                case "RSA PRIVATE KEY":
                    refuseEncrypted(file, b);
                    return pkcs8(file, Der.pkcs8(RSA_OID, Der.NULL, b.der));
                case "EC PRIVATE KEY":
                    refuseEncrypted(file, b);
                    byte[] curve = Der.sec1Curve(b.der);
                    if (curve == null) {
                        throw new TlsConfigException(what + " " + file + ": the EC key does not name its curve");
                    }
                    return pkcs8(file, Der.pkcs8(EC_OID, curve, b.der));
                case "ENCRYPTED PRIVATE KEY":
                    throw new TlsConfigException(what + " " + file + ": the key is encrypted; forkd takes no passphrase "
                            + "(decrypt it: openssl pkey -in KEY -out PLAIN, and keep PLAIN readable only by forkd's user)");
                default:
                    break;
            }
        }
        throw new TlsConfigException(what + " " + file + ": no PEM private key in it (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static void refuseEncrypted(Path file, Block b) throws TlsConfigException {
        if (b.headers.contains("ENCRYPTED")) {
            throw new TlsConfigException("--tls-key " + file + ": the key is encrypted; forkd takes no passphrase "
                    + "(decrypt it: openssl pkey -in KEY -out PLAIN)");
        }
    }

    private static PrivateKey pkcs8(Path file, byte[] der) throws TlsConfigException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next; the message below covers the case where none fits
            }
        }
        throw new TlsConfigException("--tls-key " + file + ": not an RSA or EC private key that can be read");
    }

    private static List<Block> blocks(Path file, String what) throws TlsConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(what + " " + file + ": no such file", e);
        } catch (IOException e) {
            throw new TlsConfigException(what + " " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            // RFC 1421 headers (Proc-Type, DEK-Info) end at an empty line; only traditional encrypted keys have them
            int blank = body.indexOf("\n\n");
            String headers = body.contains(":") && blank >= 0 ? body.substring(0, blank) : "";
            String base64 = (headers.isEmpty() ? body : body.substring(blank)).replaceAll("\\s", "");
            try {
                blocks.add(new Block(m.group(1), headers, Base64.getDecoder().decode(base64)));
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException(what + " " + file + ": a PEM block (" + m.group(1) + ") is not valid base64", e);
            }
        }
        return blocks;
    }
}
