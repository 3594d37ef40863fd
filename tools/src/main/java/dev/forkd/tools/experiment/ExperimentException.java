package dev.forkd.tools.experiment;

/** The experiment cannot go on (a supervisor that does not start, or dies); its message is for the user. */
final class ExperimentException extends Exception {
    private static final long serialVersionUID = 1L;

    ExperimentException(String message) {
        super(message);
    }
}
