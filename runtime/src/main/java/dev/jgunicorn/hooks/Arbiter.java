package dev.jgunicorn.hooks;

import dev.jgunicorn.settings.Config;

/**
 * What a master hook sees of the master (Gunicorn passes its arbiter object).
 *
 * @param pid the master's process id
 * @param targetWorkers how many workers the master keeps right now
 * @param config the master's effective settings
 */
public record Arbiter(long pid, int targetWorkers, Config config) {
}
