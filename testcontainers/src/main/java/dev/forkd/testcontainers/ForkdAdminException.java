package dev.forkd.testcontainers;

/**
 * forkd's admin endpoint answered, but not with success: e.g. 404 for a worker id that is gone,
 * 409 for a scale past {@code --max-workers}. The message holds forkd's answer.
 */
public final class ForkdAdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String body;

    ForkdAdminException(String request, int statusCode, String body) {
        super(request + " answered " + statusCode + ": " + body.strip());
        this.statusCode = statusCode;
        this.body = body;
    }

    /** The HTTP status forkd answered with. */
    public int statusCode() {
        return statusCode;
    }

    /** forkd's answer (JSON with an {@code error} field). */
    public String body() {
        return body;
    }
}
