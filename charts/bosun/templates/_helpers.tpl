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

{{/* The one image setting: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "bosun.tag" -}}
{{- if eq .Values.image.tag "latest" -}}
{{- fail "image.tag: latest is not allowed (pods would run whatever was pushed last); leave it empty for the chart's appVersion or name a version" -}}
{{- end -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "bosun.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "bosun.tag" .) -}}
{{- end -}}

{{- define "bosun.mcpRunnerImage" -}}
{{- $repository := .Values.image.mcpRunnerRepository | default (printf "%s-mcp-runner" .Values.image.repository) -}}
{{- printf "%s:%s" $repository (include "bosun.tag" .) -}}
{{- end -}}

{{/* imagePullSecrets as "a,b" for the operator (BOSUN_IMAGE_PULL_SECRETS); called with the list. */}}
{{- define "bosun.pullSecretNames" -}}
{{- $names := list -}}
{{- range . -}}{{- $names = append $names .name -}}{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{/* The tool server's objects are named as kagent names its RemoteMCPServer. */}}
{{- define "bosun.toolServerName" -}}kagent-tool-server{{- end -}}

{{- define "bosun.toolServerURL" -}}
{{- printf "http://%s.%s:%d/mcp" (include "bosun.toolServerName" .) .Release.Namespace (int .Values.toolServer.port) -}}
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
  resources: [agents, modelconfigs, remotemcpservers, mcpservers, agentteams, tools]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [kagent.dev]
  resources: [agents/status, modelconfigs/status, remotemcpservers/status, mcpservers/status, agentteams/status, tools/status]
  verbs: [get, update, patch]
- apiGroups: [policy.bosun.dev]
  resources: [policies]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [policy.bosun.dev]
  resources: [policies/status]
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
# An Agent's pods are listed (never watched or changed) while its Deployment has
# unavailable replicas, for a failed init container's message (controller/kube/pods.py).
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
{{- end -}}

{{- define "bosun.toolServerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "bosun.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: tool-server
{{- end -}}

{{- define "bosun.toolServerLabels" -}}
{{ include "bosun.toolServerSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
The objects in files/prebuilt/*.yaml (kagent's prebuilt agents, their prompts ConfigMap,
the tool server's RemoteMCPServer), parsed, as a YAML list (read it with fromYamlArray).
The files are plain manifests, not templates: their prompts may contain kagent's own
{{include "..."}} syntax, which `tpl` would try to evaluate. Absent files: an empty list.
*/}}
{{- define "bosun.prebuiltDocs" -}}
{{- $docs := list -}}
{{- range $path, $_ := .Files.Glob "files/prebuilt/*.{yaml,yml}" -}}
{{- range $raw := regexSplit "(?m)^---[ \t]*$" ($.Files.Get $path) -1 -}}
{{- if regexMatch "(?m)^[A-Za-z]" $raw -}}
{{- $doc := fromYaml $raw -}}
{{- if hasKey $doc "Error" -}}
{{- fail (printf "%s: %s" $path $doc.Error) -}}
{{- end -}}
{{- $docs = append $docs $doc -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $docs -}}
{{- end -}}

{{/* "true" when files/prebuilt/ holds an object of this name (the tool server's RemoteMCPServer). */}}
{{- define "bosun.prebuiltFile" -}}
{{- range $doc := include "bosun.prebuiltDocs" .root | fromYamlArray -}}
{{- if eq (dig "metadata" "name" "" $doc) $.name -}}true{{- end -}}
{{- end -}}
{{- end -}}
