package dev.forkd.api;

import dev.forkd.shared.framing.Framing;

/** A fixture for PackageRulesFailTest: an API class that needs forkd-shared, which every handler project would then inherit. */
public final class ApiReachingIntoShared {
    private ApiReachingIntoShared() {
    }

    static Framing framing() {
        return Framing.parse("line");
    }
}
