package dev.jgunicorn.hooks;

/**
 * What a hook sees of one worker.
 *
 * @param number the worker's number, counting from 1 in the order the master started them (0 with --no-master)
 * @param pid the worker's process id, or 0 in pre_fork, before the process exists
 * @param exitCode the exit code in child_exit, else -1
 */
public record WorkerInfo(int number, long pid, int exitCode) {
}
