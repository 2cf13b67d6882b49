package dev.jgunicorn.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which server runs the app in each pod (spec.server). */
public enum AppServer {
    /** A Java app on the jgunicorn runtime image: a jgunicorn master with one worker. */
    @JsonProperty("jgunicorn") JGUNICORN,
    /** A Python WSGI app under the image's own Gunicorn (one worker), with the jgunicorn sidecar beside it. */
    @JsonProperty("gunicorn") GUNICORN
}
