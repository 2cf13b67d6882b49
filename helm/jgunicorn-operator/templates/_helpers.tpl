{{/* The chart's name. */}}
{{- define "jgunicorn-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name, used for every object. */}}
{{- define "jgunicorn-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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

{{- define "jgunicorn-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "jgunicorn-operator.runtimeImage" -}}
{{- default (printf "jgunicorn/runtime:%s" .Chart.AppVersion) .Values.runtimeImage -}}
{{- end -}}

{{/* What the operator does to GunicornServers and the objects it owns: no wildcards, nothing else. */}}
{{- define "jgunicorn-operator.rules" -}}
- apiGroups: ["jgunicorn.dev"]
  resources: ["gunicornservers"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["jgunicorn.dev"]
  resources: ["gunicornservers/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
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
