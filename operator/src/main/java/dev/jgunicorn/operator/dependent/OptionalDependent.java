package dev.jgunicorn.operator.dependent;

import dev.jgunicorn.operator.api.v1alpha1.GunicornServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * A dependent that exists only while the spec asks for it. It is named after the server, so JOSDK finds the one to
 * delete by that id when the spec stops asking, with no desired object to compute.
 */
abstract class OptionalDependent<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, GunicornServer> {
    OptionalDependent(Class<R> type) {
        super(type);
    }

    @Override
    protected final ResourceID targetSecondaryResourceID(GunicornServer primary, Context<GunicornServer> context) {
        return ResourceID.fromResource(primary);
    }
}
