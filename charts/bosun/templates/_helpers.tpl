{{- define "bosun.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bosun.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bosun.labels" -}}
app.kubernetes.io/name: {{ include "bosun.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controlplane
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "bosun.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bosun.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controlplane
{{- end -}}

{{- define "bosun.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bosun.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The rules the operator and the API need on namespaced objects. */}}
{{- define "bosun.namespacedRules" -}}
- apiGroups: [kagent.dev]
  resources: [agents, modelconfigs, remotemcpservers, mcpservers]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [kagent.dev]
  resources: [agents/status, modelconfigs/status, remotemcpservers/status, mcpservers/status]
  verbs: [get, update, patch]
- apiGroups: [""]
  resources: [secrets, configmaps, services, serviceaccounts]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete{{ if .Values.rbac.allowMCPServerRoles }}, escalate, bind{{ end }}]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
