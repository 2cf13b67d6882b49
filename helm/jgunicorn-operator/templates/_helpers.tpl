{{/* The chart's name, or nameOverride: the app.kubernetes.io/name label. */}}
{{- define "jgunicorn-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of every object: fullnameOverride, else release-name, else the release name alone when it already holds
the name. 63 characters at most (a DNS label); suffixed names cut it shorter.
*/}}
{{- define "jgunicorn-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The metrics Service: a Service name is a DNS label too, so the full name leaves room for "-metrics". */}}
{{- define "jgunicorn-operator.metricsServiceName" -}}
{{- printf "%s-metrics" (include "jgunicorn-operator.fullname" . | trunc 55 | trimSuffix "-") -}}
{{- end -}}

{{- define "jgunicorn-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jgunicorn-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "jgunicorn-operator.labels" -}}
{{ include "jgunicorn-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: jgunicorn
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "jgunicorn-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "jgunicorn-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An image reference, registry/repository:tag@digest, from one of the image values (dict "image" "chart"). */}}
{{- define "jgunicorn-operator.imageRef" -}}
{{- $ref := .image.repository -}}
{{- with .image.registry }}{{ $ref = printf "%s/%s" . $ref }}{{ end -}}
{{- $ref = printf "%s:%s" $ref (default .chart.AppVersion .image.tag) -}}
{{- with .image.digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}

{{- define "jgunicorn-operator.image" -}}
{{- include "jgunicorn-operator.imageRef" (dict "image" .Values.image "chart" .Chart) -}}
{{- end -}}

{{- define "jgunicorn-operator.runtimeImage" -}}
{{- include "jgunicorn-operator.imageRef" (dict "image" .Values.runtimeImage "chart" .Chart) -}}
{{- end -}}

{{/* What the operator does to GunicornServers and the objects it owns: no wildcards, nothing else. */}}
{{/* podMonitor.labels as the operator reads them: k=v,k=v (sorted, so the Deployment does not roll for nothing). */}}
{{- define "jgunicorn-operator.podMonitorLabels" -}}
{{- $pairs := list -}}
{{- range $k, $v := .Values.podMonitor.labels -}}
{{- $pairs = append $pairs (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{- define "jgunicorn-operator.rules" -}}
- apiGroups: ["jgunicorn.dev"]
  resources: ["gunicornservers"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["jgunicorn.dev"]
  resources: ["gunicornservers/status"]
  verbs: ["get", "patch", "update"]
# The owned objects carry blockOwnerDeletion; OwnerReferencesPermissionEnforcement (OpenShift, hardened clusters)
# admits that only from a user who may update the owner's finalizers.
- apiGroups: ["jgunicorn.dev"]
  resources: ["gunicornservers/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Read only: which config ConfigMaps the pods of old ReplicaSets still mount.
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.rbac.podMonitors }}
- apiGroups: ["monitoring.coreos.com"]
  resources: ["podmonitors"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end }}
{{- end -}}
