package dev.forkd.testcontainers;

/**
 * The user an image runs as, from its {@code USER} ({@code uid[:gid]}, numeric in forkd's image,
 * {@code 10001:10001}); the token file is given to that user. A name cannot be resolved without the
 * image's /etc/passwd: then forkd's own uid is assumed.
 */
record ImageUser(int uid, int gid) {
    /** The forkd image's user (scripts/docker/Dockerfile, FORKD_UID). */
    static final ImageUser FORKD = new ImageUser(10001, 10001);
    static final ImageUser ROOT = new ImageUser(0, 0);

    /** {@code spec} as in an image's config: empty is root; a numeric uid without a gid gets the same gid. Null: not numeric. */
    static ImageUser parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return ROOT;
        }
        String[] parts = spec.trim().split(":", 2);
        Integer uid = number(parts[0]);
        if (uid == null) {
            return parts[0].equals("root") ? ROOT : null;
        }
        if (parts.length == 1) {
            return new ImageUser(uid, uid);
        }
        Integer gid = number(parts[1]);
        return new ImageUser(uid, gid == null ? uid : gid);
    }

    private static Integer number(String s) {
        if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Integer.parseInt(s);
    }
}
