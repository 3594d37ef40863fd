package dev.forkd.shared;

/**
 * The TLVs of a PROXY v2 header that forkd interprets (spec section 2.2.1 to 2.2.6); the others
 * are checked for framing and skipped. A field is null when its TLV was absent.
 *
 * @param alpn PP2_TYPE_ALPN: the application protocol negotiated with the client, e.g. "h2"
 * @param authority PP2_TYPE_AUTHORITY: the host name the client asked for (TLS SNI)
 * @param ssl PP2_TYPE_SSL with its sub-TLVs
 */
public record ProxyTlvs(String alpn, String authority, ProxySsl ssl) {
    public static final ProxyTlvs NONE = new ProxyTlvs(null, null, null);
}
