package dev.forkd.tools.experiment;

/** A load connection of the crash experiment: its client and its number on that client (both from 1). */
public record ConnKey(int client, int connection) implements Comparable<ConnKey> {
    @Override
    public int compareTo(ConnKey o) {
        return client != o.client ? Integer.compare(client, o.client) : Integer.compare(connection, o.connection);
    }

    @Override
    public String toString() {
        return "c" + client + "#" + connection;
    }
}
